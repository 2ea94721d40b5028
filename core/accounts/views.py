"""Sign up, log in, log out, rename: thin views over accounts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import RenameForm, SignupForm
from .models import User
from .services import guest_upgrade, request_user, user_rename


def signup(request: HttpRequest) -> HttpResponse:
    """Create an account; a guest's account is upgraded in place so nothing is lost."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        current = request.user
        if isinstance(current, User) and current.is_guest:
            user = guest_upgrade(
                user=current, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
            )
        else:
            user = form.save(commit=False)
            user.display_name = user.username
            user.save()
        if form.cleaned_data["display_name"]:
            user_rename(user=user, name=form.cleaned_data["display_name"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user}! Your account is ready.")
        return redirect("lobby:index")
    return render(request, "accounts/signup.html", {"form": form})


def profile(request: HttpRequest) -> HttpResponse:
    """Change the display name other players see."""
    user = request_user(request)
    form = RenameForm(request.POST or None, initial={"display_name": user.display_name})
    if request.method == "POST" and form.is_valid():
        user_rename(user=user, name=form.cleaned_data["display_name"])
        messages.success(request, "Name changed.")
        return redirect("lobby:index")
    return render(request, "accounts/profile.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's login with our template."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = False
