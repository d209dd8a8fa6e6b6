"""The ledger's pages mounted under /ledger/, as another site could mount them."""

from django.urls import include, path

urlpatterns = [path("ledger/", include("projects.urls"))]
