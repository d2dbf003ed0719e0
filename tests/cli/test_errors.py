"""A ``geo`` error reaching the command line is one ``错误：`` line (``Error:`` in English) and
exit code 2."""

import os
import subprocess
import sys
from pathlib import Path


def test_an_unreadable_osm_file_is_one_error_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"this is not a protocol buffer")
    fplan = Path(sys.executable).parent / "fplan"
    # the file is refused before any query: no database is reached
    env = {**os.environ, "APP_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}

    result = subprocess.run(
        [str(fplan), "network", "import", "--osm", str(broken)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1
    assert "broken.osm.pbf" in errors[0]
    english = subprocess.run(
        [str(fplan), "network", "import", "--osm", str(broken), "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert english.returncode == 2
    assert [line for line in english.stderr.splitlines() if line.startswith("Error: ")]


def test_db_up_reports_in_the_readers_language() -> None:
    """``fplan db up`` on the test database: what it did (here: nothing to do), worded from the
    catalogue, Chinese by default and English on request."""
    from sqlalchemy.engine import make_url

    from app.settings import Settings

    fplan = Path(sys.executable).parent / "fplan"
    database = make_url(Settings().database_url).database
    runs = {
        lang: _output(
            subprocess.run(
                [str(fplan), "db", "up"],
                capture_output=True,
                text=True,
                env={**os.environ, "FPLAN_LANG": lang},
                timeout=300,
                check=True,
            )
        )
        for lang in ("zh", "en")
    }

    assert runs["zh"].startswith(f"数据库 {database} 已就绪")
    assert runs["en"].startswith(f"database {database} ready on port")


def _output(done: subprocess.CompletedProcess[str]) -> str:
    """What a command showed (its console writes to stderr), stripped."""
    return (done.stdout + done.stderr).strip()
