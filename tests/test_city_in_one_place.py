"""The city is named in one place: the catalog's ``city:`` block (config/catalog.yml).

What residents read (the assistant's responses and texts, the channels' and the
case store's sentences, pages and notice templates) takes the city's name,
short name and phone from the catalog. This test reads those sources and fails
when one writes the city itself. Docstrings and comments are for developers and
are not read; tests and docs/ are not resident-facing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CITY_WORDS = ("Atlanta", "ATL311", "404-546-0311")
SOURCE_FOLDERS = ("bot/actions", "channels", "casestore")
TEMPLATE_FOLDERS = ("casestore/templates", "channels/templates", "channels/static")
# Strings in these modules are not what residents read.
NOT_RESIDENT_FACING = {
    "casestore/numbering.py": "the case-number prefixes accepted when parsing, as a fallback",
}


def _strings(path: Path) -> list[str]:
    """Every string constant of a module except its docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def _sources() -> list[Path]:
    return sorted(path for folder in SOURCE_FOLDERS for path in (ROOT / folder).rglob("*.py")
                  if str(path.relative_to(ROOT)) not in NOT_RESIDENT_FACING)


def _named(text: str) -> list[str]:
    return [word for word in CITY_WORDS if word in text]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_writes_the_city_in_a_string(path):
    assert [(s, _named(s)) for s in _strings(path) if _named(s)] == []


def test_no_template_writes_the_city():
    texts = {str(path.relative_to(ROOT)): _without_js_comment(path.read_text(encoding="utf-8"))
             for folder in TEMPLATE_FOLDERS for path in (ROOT / folder).rglob("*")
             if path.is_file() and path.suffix in (".html", ".txt", ".js")}
    assert len(texts) > 20
    assert {name: _named(text) for name, text in texts.items() if _named(text)} == {}


def _without_js_comment(text: str) -> str:
    # chat.js opens with a comment for developers, like a module docstring.
    return text.split("*/", 1)[1] if text.startswith("/*") else text


def test_no_response_of_the_assistant_writes_the_city():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    found = [(name, variation["text"]) for name, variations in domain["responses"].items()
             for variation in variations if _named(variation.get("text") or "")]
    assert found == []


def test_the_scan_would_see_a_city_written_in_code(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text('"""ATL311 docstrings are fine."""\nTEXT = "Call ATL311 at 404-546-0311."\n')
    assert _strings(module) == ["Call ATL311 at 404-546-0311."]
