"""A record's page URL, reversed once per view and written with each record's key."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from projects.models import Company, InvestmentProject, LandParcel, LeaseAgreement, Park
from projects.models.pages import record_url

MODELS = [Company, InvestmentProject, LandParcel, LeaseAgreement, Park]
KEYS = [1, 7, 10, 2_147_483_647]


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


@pytest.mark.parametrize("model", MODELS)
def test_a_records_url_is_the_one_django_reverses(model, script_prefix):
    for prefix in ("/", "/tracker/"):
        script_prefix(prefix)
        for pk in KEYS:
            url = model(pk=pk).get_absolute_url()
            assert url == reverse(model.page_view, args=[pk])
            assert url.startswith(prefix)


def test_the_url_follows_the_urlconf():
    with override_settings(ROOT_URLCONF="tests.urls_mounted"):
        assert Park(pk=3).get_absolute_url() == "/ledger/parks/3/"
    assert Park(pk=3).get_absolute_url() == "/parks/3/"


def test_a_url_that_does_not_write_the_key_as_it_is_is_refused():
    with override_settings(ROOT_URLCONF="tests.urls_mounted"):
        assert reverse("hexadecimal", args=[255]) == "/hexadecimal/ff/"
        with pytest.raises(ImproperlyConfigured):
            record_url("hexadecimal", 255)


def test_a_record_without_a_key_has_no_url():
    with pytest.raises(NoReverseMatch):
        Company().get_absolute_url()


def test_the_url_follows_the_language_prefix():
    with override_settings(ROOT_URLCONF="tests.urls_i18n"):
        for language in ("en", "zh-hans", "en"):
            with translation.override(language):
                assert Park(pk=3).get_absolute_url() == reverse("projects:park", args=[3])
                assert Park(pk=3).get_absolute_url() == f"/{language}/parks/3/"
