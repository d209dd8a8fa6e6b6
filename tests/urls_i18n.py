"""The ledger's pages under a language prefix (/en/parks/3/), as i18n_patterns writes them."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

urlpatterns = i18n_patterns(path("", include("projects.urls")))
