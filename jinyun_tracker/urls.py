"""Top-level URLs: the admin, login, logout and password change, the language switch and
the ledger."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from projects.api import SchemaView, router
from projects.forms import LoginForm, PasswordChangeForm
from projects.views import DashboardView, favicon

urlpatterns = [
    path("", DashboardView.as_view(), name="home"),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Every user changes their own password here, in the site's pages. The templates are
    # named apart from the admin's registration/password_change_form.html, which the admin
    # app, installed first, would otherwise give these views.
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(
            form_class=PasswordChangeForm, template_name="registration/password_change.html"
        ),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password_change_done",
    ),
    # The language can be chosen on the login page, before anyone has logged in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/", include(router.urls)),
    path("", include("projects.urls")),
]
