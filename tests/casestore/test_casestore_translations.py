"""The case store's translations are complete: every text marked in code and templates is in
each language's messages.po, and every msgid there has a translation.

The extraction is the one a translator runs (docs/i18n.md):
``pybabel extract -F casestore/babel.cfg -k lazy_gettext -o <pot> casestore``
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "casestore" / "translations"
CATALOGS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
PYBABEL = Path(sys.executable).with_name("pybabel")


def _ids(catalog) -> set:
    return {message.id if isinstance(message.id, str) else tuple(message.id)
            for message in catalog if message.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", "casestore/babel.cfg", "-k", "lazy_gettext",
                    "--no-location", "-o", str(pot), "casestore"],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return _ids(read_po(f))


def test_spanish_is_there():
    assert TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po" in CATALOGS


def test_extraction_finds_the_resident_texts(extracted):
    # Templates, Python gettext/N_ marks and lazy form labels are all read.
    for text in ("Case not found", "Thank you for contacting %(city)s. We have received your "
                 "request.", "In progress", "Your note or answer", "Case opened"):
        assert text in extracted


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_extracted_text_is_in_the_catalog(path, extracted):
    with path.open("rb") as f:
        have = _ids(read_po(f))
    assert sorted(map(str, extracted - have)) == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_msgid_has_a_translation_and_keeps_its_placeholders(path):
    with path.open("rb") as f:
        catalog = read_po(f)
    missing, broken = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings) or message.fuzzy:
            missing.append(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = {p for i in ids for p in _placeholders(i)}
        if any(_placeholders(s) != wanted for s in strings if s):
            broken.append(message.id)
    assert missing == []
    assert broken == []


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))
