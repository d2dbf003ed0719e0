"""The map's words come from the one message catalogue (geo/messages/*.po), not from the page.

Every key the page asks for by name (``t('…')`` in js/, ``data-i18n`` in index.html) is a
``map.…`` sentence of both catalogues; the page's code holds no Chinese of its own; and
``/i18n/{lang}.json`` serves the sentences with the labels of facility types, grades and units.
"""

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.settings import PROJECT_ROOT
from geo import messages
from geo.terms import FacilityType

STATIC = PROJECT_ROOT / "app" / "static"
SCRIPTS = sorted((STATIC / "js").glob("*.js"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def _code(path: Path) -> str:
    """A script without its comments (``// …`` lines and ``/* … */`` blocks)."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    return "\n".join(re.sub(r"(^|\s)//.*$", "", line) for line in text.splitlines())


def _asked() -> set[str]:
    """The keys the page asks for by their whole name."""
    keys = set()
    for path in SCRIPTS:
        keys |= set(re.findall(r"\bt\(\s*'([a-z0-9_.]+)'", _code(path)))
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    keys |= set(re.findall(r'data-i18n(?:-title)?="([a-z0-9_.]+)"', page))
    return {key if key.startswith("map.") else f"map.{key}" for key in keys}


def test_the_page_asks_only_for_sentences_of_both_catalogues() -> None:
    asked = _asked()
    assert len(asked) > 100

    missing = {lang: sorted(k for k in asked if not messages.has(k, lang)) for lang in ("zh", "en")}

    assert missing == {"zh": [], "en": []}


def test_the_pages_code_holds_no_chinese_of_its_own() -> None:
    found = [
        (path.name, line.strip())
        for path in SCRIPTS
        for line in _code(path).splitlines()
        if CJK.search(line)
    ]

    assert found == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_is_served_its_words_and_labels(client: TestClient, lang: str) -> None:
    served = client.get(f"/i18n/{lang}.json").json()

    assert _asked() <= set(served)
    for kind in FacilityType:
        key = f"facility_type.{kind.value}"
        assert served[key] == messages.text(key, lang)
    assert served["grade.tertiary"] == messages.text("grade.tertiary", lang)
    assert served["unit.beds"] == messages.text("unit.beds", lang)
    assert all(key.startswith(("map.", "facility_type.", "grade.", "unit.")) for key in served)
