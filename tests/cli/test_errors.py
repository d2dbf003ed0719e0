"""Errors reaching the command line: a ``geo`` error is one ``错误：`` line (``Error:`` in English)
and exit code 2; a service error prints its message and details in the reader's language."""

import os
import subprocess
import sys
from pathlib import Path

from app.settings import Settings
from tests._english import english_sentences


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


BAD_REGISTER = (
    "id,name,type,lon,lat\n1,,hospital,113,28\n2,东区卫生院,township_health_center,abc,28\n"
)


def _run(args: list[str], *, database_url: str, lang: str) -> subprocess.CompletedProcess[str]:
    fplan = Path(sys.executable).parent / "fplan"
    env = {**os.environ, "APP_DATABASE_URL": database_url}
    env.pop("FPLAN_LANG", None)
    given = [str(fplan), *args] if lang == "zh" else [str(fplan), "--lang", "en", *args]
    return subprocess.run(given, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_service_errors_print_in_the_readers_language(settings: Settings, tmp_path: Path) -> None:
    """The service's refusals on the command line: Chinese by default (no English sentence in
    the message or its details), the catalogue's English with ``--lang en``; exit code 2."""
    register = tmp_path / "register.csv"
    register.write_text(BAD_REGISTER, encoding="utf-8")
    commands = {
        "token": ["token", "revoke", "999"],
        "check": ["check", "--city", "999999"],
        "report": ["report", "--city", "431100", "--out", str(tmp_path / "report.html")],
        "import": ["facilities", "import", str(register), "--crs", "wgs84"],
        "scenario": ["scenario", "run", "yongzhou_ems", "--city", "431100"],
    }
    english = {
        "token": ["Error: API token 999 not found"],
        "check": ["error: city 999999 not found; load the reference data with `fplan load hunan`"],
        "report": ["error: city 431100 not found; load the reference data with `fplan load hunan`"],
        "import": [
            "nothing imported: 2 rows of register.csv are invalid; nothing was imported",
            "  row 1, line 2: name: the name is missing or empty",
            "  row 1, line 2: type: unknown type 'hospital': expected one of",
            "  row 1, line 2: lon,lat: (113.0, 28.0) [wgs84] lies outside every region",
            "  row 2, line 3: lon: 'abc' is not a number of degrees",
        ],
        "scenario": [
            "error: city 431100 not found; load the reference data with `fplan load hunan`"
        ],
    }
    for name, args in commands.items():
        chinese = _run(args, database_url=settings.database_url, lang="zh")
        shown = _output(chinese)
        assert chinese.returncode == 2, (name, shown)
        assert "Traceback" not in shown
        said = [line for line in shown.splitlines() if "错误" in line or "未导入" in line]
        assert said, (name, shown)
        assert [line for line in shown.splitlines() if english_sentences(line)] == [], name

        answer = _run(args, database_url=settings.database_url, lang="en")
        lines = _output(answer).splitlines()
        assert answer.returncode == 2, (name, lines)
        for expected in english[name]:
            assert any(line.startswith(expected) for line in lines), (name, expected, lines)
