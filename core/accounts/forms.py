"""Forms for signing up (a guest keeps their history) and renaming."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User
from .services import InvalidName, clean_display_name


class SignupForm(UserCreationForm):  # type: ignore[type-arg]
    """Username and password; the display name is kept from the guest unless changed."""

    display_name = forms.CharField(max_length=40, required=False)

    class Meta:
        model = User
        fields = ("username",)

    def clean_display_name(self) -> str:
        raw = self.cleaned_data.get("display_name") or ""
        if not raw.strip():
            return ""
        try:
            return clean_display_name(raw)
        except InvalidName as exc:
            raise forms.ValidationError(str(exc)) from None


class RenameForm(forms.Form):
    """A new display name."""

    display_name = forms.CharField(max_length=40)

    def clean_display_name(self) -> str:
        try:
            return clean_display_name(self.cleaned_data["display_name"])
        except InvalidName as exc:
            raise forms.ValidationError(str(exc)) from None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs.update({"autocomplete": "nickname"})
