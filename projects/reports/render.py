"""The monthly report as files: a PDF drawn from HTML by WeasyPrint, and an XLSX with one
sheet per section.

WeasyPrint reads nothing but the app's own static files (``StaticFilesFetcher``): the
report is drawn the same on a closed network, and an address slipped into the HTML is
never requested. Its fonts are the system's (Debian's fonts-noto-cjk, which the Makefile
installs), embedded in the file.
"""

import logging
import mimetypes
from io import BytesIO
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils.translation import get_language
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from projects.lists.sheets import write_xlsx
from projects.reports.content import Report

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A URL the report may not read: anything but the app's static files."""


class StaticFilesFetcher(URLFetcher):
    """Reads the static files under ``base_url``'s static prefix from disk, as the
    static-files finders (or, after collectstatic, its storage) find them, and refuses
    every other URL without opening it."""

    def __init__(self, base_url: str) -> None:
        super().__init__(allowed_protocols=())
        self.prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if not url.startswith(self.prefix):
            logger.warning("The report refused to read %s", url)
            raise RefusedURL(url)
        name = unquote(urlsplit(url[len(self.prefix) :]).path)
        try:
            path = finders.find(name)
            if path is None and staticfiles_storage.exists(name):
                path = staticfiles_storage.path(name)
        except SuspiciousFileOperation:
            path = None
        if not path or isinstance(path, list):
            raise RefusedURL(url)
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def html(report: Report) -> str:
    """The report as the HTML page the PDF is drawn from."""
    return render_to_string(
        "projects/report.html", {"report": report, "LANGUAGE_CODE": get_language()}
    )


def pdf(report: Report, base_url: str) -> bytes:
    """The report as an A4 PDF. ``base_url`` is the tracker's address: the report's links
    point there, and its stylesheets are read from its static files."""
    document = HTML(
        string=html(report), base_url=base_url, url_fetcher=StaticFilesFetcher(base_url)
    )
    return document.write_pdf()


def xlsx(report: Report) -> bytes:
    """The report as an XLSX workbook: the summary's sentences on the first sheet, then a
    sheet for each section's table."""
    buffer = BytesIO()
    write_xlsx(report.xlsx_sheets(), buffer)
    return buffer.getvalue()
