"""The gallery of finished pictures and their PNGs."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Picture

PER_PAGE = 24


@require_GET
def gallery(request: HttpRequest) -> HttpResponse:
    """Finished pictures, newest first."""
    pictures = Picture.objects.defer("png").select_related("match")
    page = Paginator(pictures, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "draw/gallery.html", {"page": page})


@require_GET
def picture(request: HttpRequest, pk: int) -> HttpResponse:
    """One picture, large, with each player's part and prompts."""
    found = get_object_or_404(Picture.objects.defer("png"), pk=pk)
    return render(request, "draw/picture.html", {"picture": found})


@require_GET
def png(request: HttpRequest, pk: int) -> HttpResponse:
    """The rendered picture; it never changes once saved, so browsers may keep it."""
    found = get_object_or_404(Picture.objects.only("png"), pk=pk)
    response = HttpResponse(bytes(found.png), content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
