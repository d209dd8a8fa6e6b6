"""English is complete: every Chinese source string has a reviewed English translation,
written with English punctuation, units and plurals."""

import re
import shutil
from pathlib import Path

import polib
from django.core.management import call_command

APP = Path(__file__).resolve().parent.parent / "projects"
PO_FILE = APP / "locale/en/LC_MESSAGES/django.po"
MO_FILE = PO_FILE.with_suffix(".mo")
# CJK symbols and punctuation (、。「」…) and the fullwidth forms (（），：；！？…).
FULLWIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
# 亿元 is written CNY 100M, 10亿元 CNY 1B and 万元 CNY 10k: the currency before the unit.
UNITS = [
    (re.compile(r"(?<!10)亿"), "CNY 100M"),
    (re.compile("10亿"), "CNY 1B"),
    (re.compile("万元"), "CNY 10k"),
]


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


def compiled() -> list[polib.MOEntry]:
    """The English catalogue as the pages read it (``make messages`` compiles it)."""
    return [entry for entry in polib.mofile(str(MO_FILE)) if entry.msgid]


def english_forms(entry: polib.MOEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_english_has_no_chinese_punctuation():
    chinese_punctuation = {
        entry.msgid: text
        for entry in compiled()
        for text in english_forms(entry)
        if FULLWIDTH.search(text)
    }
    assert chinese_punctuation == {}


def test_english_writes_money_as_cny_100m_and_cny_10k():
    wrong = {
        entry.msgid: text
        for entry in compiled()
        for text in english_forms(entry)
        for chinese, english in UNITS
        if chinese.search(entry.msgid) and english not in text
    }
    assert wrong == {}
    assert [e.msgid for e in compiled() if re.search(r"(100M|10k|1B) CNY", e.msgstr)] == []


def test_every_count_has_a_singular_and_a_plural():
    """A string that shows a count has both English forms: "1 project", "2 projects"."""
    entries = [entry for entry in compiled() if entry.msgid_plural]
    assert len(entries) > 5
    same = [entry.msgid for entry in entries if len(set(english_forms(entry))) != 2]
    assert same == []
