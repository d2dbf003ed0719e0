"""``fplan cities`` and ``fplan norms list`` as a planner runs them: the installed command, in a
folder of its own, on the test database, in Chinese by default and in English on request."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings
from geo import messages
from geo.norms import load_catalogues
from tests._english import english_sentences

# the five cities with a plan in the package's catalogues, by adcode
PLAN_CITIES = ("430100", "430400", "430600", "431100", "433101")


def fplan(settings: Settings, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``fplan`` with only the environment a planner's shell would give it."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "APP_DATABASE_URL": settings.database_url,
        "APP_CACHE_DIR": str(settings.cache_dir),
    }
    return subprocess.run(
        [str(Path(sys.executable).with_name("fplan")), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cities_lists_every_plan_with_its_issuing_document(
    settings: Settings, tmp_path: Path, lang: str
) -> None:
    done = fplan(settings, tmp_path, "cities", "--lang", lang)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    catalogues = {c.city_adcode: c for c in load_catalogues(seeds_dir=None)}
    assert set(PLAN_CITIES) <= set(catalogues)
    for adcode in PLAN_CITIES:
        catalogue = catalogues[adcode]
        head = next(line for line in lines if line.startswith(adcode))
        # the count of rules, and whether the city is ready or the command that prepares it
        assert f"{len(catalogue.rules)} " in head
        assert (
            f"fplan demo --city {adcode}" in head or messages.text("cities.prepared", lang) in head
        )
        title = catalogue.plan_title_zh if lang == "zh" else catalogue.plan_title_en
        assert title in done.stdout
        if catalogue.document_number:
            assert catalogue.document_number in done.stdout
    if lang == "zh":
        assert english_sentences(done.stdout) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_norms_list_gives_each_rule_with_its_plan_lines(
    settings: Settings, tmp_path: Path, lang: str
) -> None:
    done = fplan(settings, tmp_path, "norms", "list", "--city", "431100", "--lang", lang)

    assert done.returncode == 0, done.stderr
    catalogue = next(c for c in load_catalogues(seeds_dir=None) if c.city_adcode == "431100")
    lines = done.stdout.splitlines()
    for rule in catalogue.rules:
        # two lines a rule: its id and title, then kind, target, state and the plan's lines
        at = next(i for i, line in enumerate(lines) if line.startswith(f"{rule.id} "))
        assert (rule.title_zh if lang == "zh" else rule.title_en) in lines[at]
        assert messages.plan_lines(rule.citation.lines_label, lang) in lines[at + 1]
    if lang == "zh":
        # the plan's lines as a Chinese reader cites them, and no English sentence
        assert not re.search(r"\bL[0-9]", done.stdout)
        assert english_sentences(done.stdout) == []
    else:
        assert re.search(r"\bL[0-9]", done.stdout)


def test_norms_list_refuses_a_city_without_a_plan_in_chinese(
    settings: Settings, tmp_path: Path
) -> None:
    done = fplan(settings, tmp_path, "norms", "list", "--city", "430200")

    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "430200" in said
    assert "Traceback" not in said
