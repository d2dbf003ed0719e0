"""The commands that only look start light: they import none of the computing stack.

``fplan cities``, ``network list``, ``token list``, ``norms list``, ``scenario list``, ``--help``
and ``--version`` run as a planner runs them (a fresh process on the test database); each
writes the modules it imported, and none may be one of :data:`HEAVY` (how fast they answer is
measured by ``fplan bench``, case ``e2e_listing_commands``, never here). A listing reads the
catalogues as their last load kept them: an edit of a planner's own catalogue shows at once.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from app.cli import app
from app.cli._params import _PlainFirst
from app.environment import folders
from app.services import listings, norms
from app.settings import PROJECT_ROOT, Settings

# what a listing must not load: the computing stack, the ORM, the validation library, YAML
HEAVY = (
    "numpy",
    "scipy",
    "numba",
    "pandas",
    "shapely",
    "networkx",
    "sqlalchemy",
    "geoalchemy2",
    "pydantic",
    "pydantic_settings",
    "yaml",
    "babel",
    "geo.norms",
)
LISTINGS = (
    ("--help",),
    ("--version",),
    ("cities",),
    ("cities", "--lang", "en"),
    ("network", "list"),
    ("network", "list", "--city", "431100"),
    ("token", "list"),
    ("token", "list", "--json"),
    ("norms", "list", "--city", "431100"),
    ("scenario", "list"),
    ("norms", "--help"),
    ("token", "list", "--help"),
)
# runs the command line, then writes the names of the imported modules to FPLAN_MODULES_OUT
_RUNNER = """
import json, os, sys
sys.argv = ["fplan", *sys.argv[1:]]
from app.cli import main
try:
    main()
finally:
    with open(os.environ["FPLAN_MODULES_OUT"], "w") as out:
        json.dump(sorted(sys.modules), out)
"""


def _environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("APP_", "FPLAN_"))}
    return {
        **env,
        "APP_DATABASE_URL": settings.database_url,
        "APP_CACHE_DIR": str(settings.cache_dir),
        "APP_PLANS_DIR": str(settings.plans_dir),
        "COLUMNS": "120",
        **extra,
    }


def _run(env: dict[str, str], out: Path, *args: str) -> tuple[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _RUNNER, *args],
        env={**env, "FPLAN_MODULES_OUT": str(out)},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(out.read_text())


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY)]


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_a_listing_imports_nothing_heavy(settings: Settings, tmp_path: Path, args: tuple[str]):
    env = _environment(settings)
    # the first listing of these catalogue files loads them (and keeps them); not this one
    first, _ = _run(env, tmp_path / "first.json", *args)
    again, modules = _run(env, tmp_path / "modules.json", *args)

    assert again == first
    assert _heavy(modules) == []
    assert "app.cli" in modules


def test_the_first_listing_loads_the_catalogues_and_lists_the_same(
    settings: Settings, tmp_path: Path
) -> None:
    # a cache folder of its own: nothing kept yet
    env = _environment(settings, APP_CACHE_DIR=str(tmp_path / "cache"))
    cold, cold_modules = _run(env, tmp_path / "cold.json", "norms", "list", "--city", "431100")
    warm, warm_modules = _run(env, tmp_path / "warm.json", "norms", "list", "--city", "431100")

    assert "geo.norms" in cold_modules
    assert "geo.norms" not in warm_modules
    assert warm == cold
    assert "yongzhou.primary_care_circle_15min" in warm


def _own_catalogue() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    (block,) = [b for b in blocks if 'city_adcode: "430200"' in b]
    return block


def test_an_edited_own_catalogue_is_listed_at_once(settings: Settings, tmp_path: Path) -> None:
    own = tmp_path / "norms"
    own.mkdir()
    catalogue = own / "zhuzhou.yaml"
    catalogue.write_text(_own_catalogue(), encoding="utf-8")
    env = _environment(settings, APP_NORMS_DIR=str(own))
    listed = ("norms", "list", "--city", "430200")

    before, _ = _run(env, tmp_path / "1.json", *listed)
    kept, modules = _run(env, tmp_path / "2.json", *listed)
    assert kept == before
    assert "geo.norms" not in modules
    # the same size and the same second: only the content tells the edit apart
    text = catalogue.read_text(encoding="utf-8")
    stat = catalogue.stat()
    (title,) = re.findall(r'title_zh: "?(每千人口[^"\n]*)', text)
    edited = text.replace(title, title.replace("每千人口", "每千常住"))
    assert len(edited.encode()) == len(text.encode())
    catalogue.write_text(edited, encoding="utf-8")
    os.utime(catalogue, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after, modules = _run(env, tmp_path / "3.json", *listed)

    assert title in before
    assert title not in after
    assert title.replace("每千人口", "每千常住") in after
    assert "geo.norms" in modules


def test_the_listed_catalogues_are_the_loaded_ones(settings: Settings, tmp_path: Path) -> None:
    own = Settings(
        database_url=settings.database_url,
        plans_dir=settings.plans_dir,
        cache_dir=tmp_path / "cache",
    )
    expected = [norms.listed_catalogue(c) for c in norms.load_norms(own).catalogues]
    # loaded (and kept) by load_norms above, read back from the kept keys here
    env = {"APP_PLANS_DIR": str(own.plans_dir), "APP_CACHE_DIR": str(own.cache_dir)}
    kept = listings.listed_catalogues(folders(env))

    assert kept == expected
    assert {c["city_adcode"] for c in kept} >= {"430100", "431100"}


def test_text_and_left_out_values_are_taken_as_the_library_would() -> None:
    command = get_command(app)
    seen = 0
    stack = [command]
    while stack:
        current = stack.pop()
        stack.extend(getattr(current, "commands", {}).values())
        for param in current.params:
            plain = param._runtime_param
            if not isinstance(plain, _PlainFirst):
                continue
            ctx = current.context_class(current)
            library = plain._library
            values: list[object] = [None]
            if plain._text:
                values += ["431100", "永州", ""]
            for value in values:
                assert plain.coerce(value, param, ctx) == library.coerce(value, param, ctx)
                seen += 1
    assert seen > 40
