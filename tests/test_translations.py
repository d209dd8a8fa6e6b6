"""English is complete: every Chinese source string has a reviewed English translation."""

import shutil
from pathlib import Path

import polib
from django.core.management import call_command

APP = Path(__file__).resolve().parent.parent / "projects"
PO_FILE = APP / "locale/en/LC_MESSAGES/django.po"


def entries(catalogue: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in catalogue if not entry.obsolete}


def test_every_string_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO_FILE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 100


def test_the_catalogue_holds_exactly_the_strings_of_the_source(tmp_path, monkeypatch):
    """`make makemessages` has been run since the last change to a user-facing string."""
    copy = tmp_path / "projects"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    fresh = polib.pofile(str(copy / "locale/en/LC_MESSAGES/django.po"))
    assert entries(fresh) == entries(polib.pofile(str(PO_FILE)))
