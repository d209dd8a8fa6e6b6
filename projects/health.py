"""The health check a load balancer polls: ``/healthz``."""

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer ``/healthz``: 200 when the database answers, 503 when it does not, and no data.

    It comes first in ``MIDDLEWARE`` and answers before the others see the request, so
    the check needs no login, is not redirected to HTTPS (the load balancer polls over
    plain HTTP), and reads neither the session nor the user, which would fail with the
    database rather than report it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH:
            return self.get_response(request)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            return JsonResponse({"status": "database unavailable"}, status=503)
        return JsonResponse({"status": "ok"})
