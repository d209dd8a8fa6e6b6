"""The app's URLs, and beside them the site's frame alone (``base.html``, logged in), which
``bench/anatomy.py`` measures as what any page costs before it shows anything."""

from django.urls import path
from django.views.generic import TemplateView

from jinyun_tracker.urls import urlpatterns as app_urlpatterns

FRAME_URL = "/bench/frame/"

urlpatterns = [
    path(FRAME_URL.strip("/") + "/", TemplateView.as_view(template_name="base.html")),
    *app_urlpatterns,
]
