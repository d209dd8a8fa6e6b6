"""English is complete: every Chinese source string has a reviewed English translation."""

from pathlib import Path

import polib

PO_FILE = Path(__file__).resolve().parent.parent / "projects/locale/en/LC_MESSAGES/django.po"


def test_every_string_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO_FILE))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 100
