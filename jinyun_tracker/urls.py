"""Top-level URLs: the admin, login and logout, the language switch and the ledger."""

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

from projects.forms import LoginForm
from projects.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("projects.urls")),
]
