"""A ``geo`` error reaching the command line is one ``error:`` line and exit code 2."""

import os
import subprocess
import sys
from pathlib import Path

from app.settings import Settings


def test_an_unreadable_osm_file_is_one_error_line(tmp_path: Path, settings: Settings) -> None:
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"this is not a protocol buffer")
    fplan = Path(sys.executable).parent / "fplan"
    env = {**os.environ, "APP_DATABASE_URL": settings.database_url}

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
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "broken.osm.pbf" in errors[0]
