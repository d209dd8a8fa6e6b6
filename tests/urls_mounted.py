"""The ledger's pages mounted under /ledger/, as another site could mount them, and a page
whose URL writes its key in hexadecimal."""

from django.http import HttpResponse
from django.urls import include, path, register_converter


class HexadecimalKey:
    regex = "[0-9a-f]+"

    def to_python(self, value: str) -> int:
        return int(value, 16)

    def to_url(self, value: int) -> str:
        return f"{value:x}"


register_converter(HexadecimalKey, "hexadecimal")

urlpatterns = [
    path("ledger/", include("projects.urls")),
    path("hexadecimal/<hexadecimal:pk>/", lambda request, pk: HttpResponse(), name="hexadecimal"),
]
