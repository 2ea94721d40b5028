"""The metrics endpoint; keep it private (the nginx config serves it to loopback only)."""

from django.http import HttpRequest, HttpResponse

from . import metrics


async def metrics_view(request: HttpRequest) -> HttpResponse:
    """This process's metrics in Prometheus' text format."""
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE_LATEST)
