"""``fplan network import --osm``: the two PBF passes as progress bars, --json, time and memory."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app
from geo import messages
from tools.synthetic_pbf import GridSpec, write_pbf

# the 3 × 3 grid of tests/geo/network/test_pbf_streaming.py: 13 nodes and 28 edges (mode all)
TINY = GridSpec(3, spacing_m=150.0, shape_nodes=1, buildings_per_block=1)


@pytest.fixture
def pbf(tmp_path: Path) -> Path:
    path = tmp_path / "grid.osm.pbf"
    write_pbf(path, TINY)
    return path


@pytest.fixture
def runner(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # the command stores into the test's transaction (rolled back), not the environment's database
    @contextmanager
    def test_session() -> Iterator[Session]:
        yield db_session

    @contextmanager
    def test_connection() -> Iterator[Any]:
        yield db_session.connection().connection.driver_connection

    monkeypatch.setattr("app.cli.network.open_session", test_session)
    # the listing's plain read too
    monkeypatch.setattr("app.cli.network.read_only", test_connection)
    return CliRunner()


def test_json_is_one_object_with_the_counts(
    runner: CliRunner, pbf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FPLAN_PROGRESS", "1")

    result = runner.invoke(app, ["network", "import", "--osm", str(pbf), "--json"])

    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert (record["network"]["n_nodes"], record["network"]["n_edges"]) == (13, 28)
    # 6 grid ways and 4 footways; 21 highway nodes and 4 footway ends
    assert record["read"] == {
        "highway_ways": 10,
        "kept_ways": 10,
        "node_refs": 38,
        "needed_nodes": 25,
        "located_nodes": 25,
    }
    assert record["seconds"] > 0
    assert record["peak_rss_mb"] > 0
    # --json: no bars even when forced
    assert messages.text("progress.pbf_ways", "zh", name=pbf.name) not in result.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_forced_progress_shows_each_pass_and_the_cost(
    runner: CliRunner, pbf: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv("FPLAN_PROGRESS", "1")

    result = runner.invoke(app, ["network", "import", "--osm", str(pbf), "--lang", lang])

    assert result.exit_code == 0, result.output
    for stage in ("pbf_ways", "pbf_nodes", "store_network"):
        assert messages.text(f"progress.{stage}", lang, name=pbf.name) in result.stderr
    took = messages.text("network.took", lang, seconds="", peak_mb="").split()[0]
    assert took in result.stderr
    assert ("用时" in result.stderr) is (lang == "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_list_names_its_columns_in_the_readers_language(
    runner: CliRunner, pbf: Path, lang: str
) -> None:
    imported = runner.invoke(app, ["network", "import", "--osm", str(pbf), "--json"])
    assert imported.exit_code == 0, imported.output
    network_id = json.loads(imported.stdout)["network"]["id"]

    result = runner.invoke(app, ["network", "list", "--lang", lang], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    for column in ("id", "name", "source", "nodes", "edges"):
        assert messages.text(f"network.col.{column}", lang) in result.stdout
    row = next(line for line in result.stdout.splitlines() if f" {network_id} " in line)
    assert "13" in row
    assert "28" in row
