"""The metrics endpoint (keep it private: nginx serves it to loopback only) and the staff's live room monitor."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from . import metrics, moderation, monitor

log = logging.getLogger(__name__)
AsyncView = Callable[..., Coroutine[Any, Any, HttpResponse]]


async def metrics_view(request: HttpRequest) -> HttpResponse:
    """This process's metrics in Prometheus' text format."""
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE_LATEST)


def staff_json(view: AsyncView) -> AsyncView:
    """Answer 403 in JSON unless an active staff member asks (the page's fetches; no login redirect)."""

    @functools.wraps(view)
    async def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        user = await request.auser()
        if not (user.is_active and user.is_staff):
            return JsonResponse({"error": "Only staff may use the room monitor."}, status=403)
        return await view(request, *args, **kwargs)

    return wrapped


@staff_member_required
def monitor_page(request: HttpRequest) -> HttpResponse:
    """The live room monitor in the admin; its script polls ``monitor_rooms``."""
    context = {**admin.site.each_context(request), "title": "Live room monitor", "interval_ms": monitor.INTERVAL * 1000}
    return render(request, "ops/monitor.html", context)


@require_GET
@staff_json
async def monitor_rooms(request: HttpRequest) -> HttpResponse:
    """Every live room of the site, with the processes that reported them."""
    return JsonResponse(await monitor.site())


@require_POST
@staff_json
async def monitor_action(request: HttpRequest, op: str) -> HttpResponse:
    """Close a room, kick a player or announce to a room (form fields ``room``, ``user``, ``text``)."""
    room_id = request.POST.get("room", "").strip()
    try:
        if not room_id or len(room_id) > 64:
            raise moderation.Refused("Name the room: its id is missing or too long.")
        if op == "announce":
            message = await moderation.announce(room_id, request.POST.get("text", ""))
        elif op == "kick":
            user = request.POST.get("user", "")
            if not user.isdigit():
                raise moderation.Refused(f"Name the player by user id, not {user!r}.")
            message = await moderation.act("kick", room_id, {"user": int(user)})
        else:
            message = await moderation.act("close", room_id)
    except moderation.Refused as refused:
        return JsonResponse({"ok": False, "error": str(refused)}, status=400)
    log.info("staff user %s: %s room %s: %s", (await request.auser()).pk, op, room_id, message)
    return JsonResponse({"ok": True, "message": message})
