"""The app's URLs, and beside them the site's frame alone (``base.html``, logged in), which
``bench/anatomy.py`` measures as what any page costs before it shows anything, and the
projects list written by the book (``bench/book.py``), which ``bench/run.py`` measures
beside the list."""

from django.urls import path
from django.views.generic import TemplateView

from bench.book import BookProjectListView
from jinyun_tracker.urls import urlpatterns as app_urlpatterns

FRAME_URL = "/bench/frame/"
BOOK_URL = "/bench/book/projects/"

urlpatterns = [
    path(FRAME_URL.strip("/") + "/", TemplateView.as_view(template_name="base.html")),
    path(BOOK_URL.strip("/") + "/", BookProjectListView.as_view()),
    *app_urlpatterns,
]
