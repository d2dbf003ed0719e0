"""``fplan coverage`` on the three real inputs: PBF (Porto Alegre), OSM XML and GraphML."""

import inspect
import json
from pathlib import Path
from typing import Any

import osmnx as ox
import pandas as pd
import pytest
from typer.testing import CliRunner

from app.cli import app
from app.cli._help import reader_lang
from app.cli.coverage import coverage
from geo.access.coverage import compute_coverage
from geo.network.readers import read_network
from geo.network.snap import MAX_SNAP_M, snap_points
from tests._english import english_sentences

KEYS = {
    "nodes",
    "edges",
    "facilities",
    "population_total",
    "population_covered",
    "covered_share",
    "off_network_points",
    "per_facility",
    "timings",
}

# Changsha campus: two facilities, four places, one of them 20 km away (off-network)
CAMPUS_FACILITIES = "id,lon,lat\nclinic-A,112.9440,28.1850\nclinic-B,112.9475,28.1835\n"
CAMPUS_POPULATION = (
    "id,lon,lat,population\n"
    "p1,112.9445,28.1852,100\n"
    "p2,112.9470,28.1840,250\n"
    "p3,112.9425,28.1870,80\n"
    "far,113.1500,28.1850,999\n"
)


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def poa_csvs(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Facilities = H3 cells with health care; population = every cell (poa_hexgrid.csv)."""
    folder = tmp_path_factory.mktemp("poa")
    cells = pd.read_csv(data_dir / "porto_alegre" / "poa_hexgrid.csv")
    facilities, population = folder / "facilities.csv", folder / "population.csv"
    cells.loc[cells["healthcare"] > 0, ["id", "lon", "lat"]].to_csv(facilities, index=False)
    cells[["id", "lon", "lat", "population"]].to_csv(population, index=False)
    return facilities, population


@pytest.fixture(scope="module")
def campus_csvs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("campus")
    facilities, population = folder / "facilities.csv", folder / "population.csv"
    facilities.write_text(CAMPUS_FACILITIES)
    population.write_text(CAMPUS_POPULATION)
    return facilities, population


def run_json(runner: CliRunner, osm: Path, csvs: tuple[Path, Path], *extra: str) -> Any:
    args = ["coverage", "--osm", str(osm), "--facilities", str(csvs[0])]
    result = runner.invoke(app, [*args, "--population", str(csvs[1]), *extra, "--json"])
    assert result.exit_code == 0, result.output
    # --json: nothing but the object on stdout, no progress bars on stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_pbf_porto_alegre(runner: CliRunner, data_dir: Path, poa_csvs: tuple[Path, Path]) -> None:
    pbf = data_dir / "porto_alegre" / "poa_osm.pbf"
    out = run_json(runner, pbf, poa_csvs, "--mode", "drive", "--minutes", "5")
    assert set(out) == KEYS
    assert set(out["timings"]) == {"load_s", "build_s", "snap_s", "search_s"}
    assert all(v >= 0 for v in out["timings"].values())
    cells = pd.read_csv(data_dir / "porto_alegre" / "poa_hexgrid.csv")
    assert out["facilities"] == int((cells["healthcare"] > 0).sum())
    assert out["population_total"] == float(cells["population"].sum())

    # the same figures through the library
    net = read_network(pbf, mode="drive")
    health = cells[cells["healthcare"] > 0]
    fac = snap_points(net, health["lon"], health["lat"], mode="drive")
    pop = snap_points(net, cells["lon"], cells["lat"], mode="drive")
    expected = compute_coverage(
        net,
        fac.node,
        pop.node,
        cells["population"],
        mode="drive",
        minutes=5,
        point_snap_m=pop.distance_m,
    )
    assert out["nodes"] == net.n_nodes
    assert out["edges"] == net.mode_edges("drive").edge.shape[0]
    assert out["population_covered"] == expected.population_covered
    assert out["covered_share"] == pytest.approx(expected.covered_share)
    assert out["off_network_points"] == fac.n_off_network + pop.n_off_network
    assert [f["id"] for f in out["per_facility"]] == health["id"].tolist()
    assert [f["population"] for f in out["per_facility"]] == expected.facility_population.tolist()
    assert sum(f["population"] for f in out["per_facility"]) == out["population_covered"]


def test_pbf_more_minutes_cover_more(
    runner: CliRunner, data_dir: Path, poa_csvs: tuple[Path, Path]
) -> None:
    pbf = data_dir / "porto_alegre" / "poa_osm.pbf"
    short = run_json(runner, pbf, poa_csvs, "--mode", "ems", "--minutes", "4")
    long = run_json(runner, pbf, poa_csvs, "--mode", "ems", "--minutes", "8")
    assert 0 <= short["population_covered"] < long["population_covered"]
    assert long["covered_share"] <= 1.0


def test_xml_changsha_campus_walk(
    runner: CliRunner, data_dir: Path, campus_csvs: tuple[Path, Path]
) -> None:
    osm = data_dir / "changsha" / "hnu_campus.osm"
    out = run_json(runner, osm, campus_csvs, "--mode", "walk", "--minutes", "10")
    assert set(out) == KEYS
    assert out["facilities"] == 2
    assert out["population_total"] == 1429.0
    # the place 20 km away is off-network, never covered
    assert out["off_network_points"] == 1
    assert out["population_covered"] <= 430.0
    assert [f["id"] for f in out["per_facility"]] == ["clinic-A", "clinic-B"]
    assert sum(f["population"] for f in out["per_facility"]) == out["population_covered"]
    assert out["population_covered"] > 0


def test_graphml_saved_from_the_xml_gives_the_same_figures(
    runner: CliRunner, data_dir: Path, campus_csvs: tuple[Path, Path], tmp_path: Path
) -> None:
    osm = data_dir / "changsha" / "hnu_campus.osm"
    G = ox.graph_from_xml(osm, bidirectional=False, simplify=True, retain_all=True)
    graphml = tmp_path / "campus.graphml"
    ox.save_graphml(G, graphml)
    from_xml = run_json(runner, osm, campus_csvs, "--mode", "walk", "--minutes", "10")
    from_graphml = run_json(runner, graphml, campus_csvs, "--mode", "walk", "--minutes", "10")
    for key in KEYS - {"timings"}:
        assert from_graphml[key] == from_xml[key], key


def test_human_output_is_a_table_on_stderr(
    runner: CliRunner, data_dir: Path, campus_csvs: tuple[Path, Path]
) -> None:
    osm = data_dir / "changsha" / "hnu_campus.osm"
    args = ["coverage", "--osm", str(osm), "--facilities", str(campus_csvs[0])]
    result = runner.invoke(
        app, [*args, "--population", str(campus_csvs[1]), "--mode", "ems", "--minutes", "15"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    # an ambulance leaves its station: ems searches from the facilities by default
    # the console wraps the titles: compare without whitespace
    flat = "".join(result.stderr.split())
    assert "急救车15分钟覆盖（车辆从设施出发）" in flat
    assert "覆盖比例" in flat
    assert "服务人口最多的设施" in flat
    assert english_sentences(result.stderr) == []


def _in_english(runner: CliRunner, args: list[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run ``args`` for an English reader (the reader's language is read once per process)."""
    monkeypatch.setenv("FPLAN_LANG", "en")
    reader_lang.cache_clear()
    try:
        return runner.invoke(app, args)
    finally:
        monkeypatch.delenv("FPLAN_LANG")
        reader_lang.cache_clear()


def test_bad_csv_names_the_file_and_row(
    runner: CliRunner,
    data_dir: Path,
    campus_csvs: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    osm = data_dir / "changsha" / "hnu_campus.osm"
    bad = tmp_path / "people.csv"
    bad.write_text("lon,lat\n112.94,28.18\n")
    args = ["coverage", "--osm", str(osm), "--facilities", str(campus_csvs[0])]
    result = runner.invoke(app, [*args, "--population", str(bad), "--minutes", "5"])
    assert result.exit_code == 2
    # Chinese by default, naming the file and the column; English on request
    flat = "".join(result.stderr.split())
    assert "错误：people.csv：没有'population'列" in flat
    assert english_sentences(result.stderr) == []
    english = _in_english(runner, [*args, "--population", str(bad), "--minutes", "5"], monkeypatch)
    assert english.exit_code == 2
    assert "people.csv: no column 'population' (weight_column)" in english.stderr
    bad.write_text("lon,lat,population\n112.94,north,3\n")
    result = runner.invoke(app, [*args, "--population", str(bad), "--minutes", "5"])
    assert result.exit_code == 2
    assert "people.csv第2行：lat须为数字，收到'north'" in "".join(result.stderr.split())
    english = _in_english(runner, [*args, "--population", str(bad), "--minutes", "5"], monkeypatch)
    assert "people.csv line 2: lat must be a number, got 'north'" in english.stderr


def test_unreadable_network_exits_with_an_error(
    runner: CliRunner, campus_csvs: tuple[Path, Path], tmp_path: Path
) -> None:
    fake = tmp_path / "roads.osm.pbf"
    fake.write_bytes(b"nope")
    args = ["coverage", "--osm", str(fake), "--facilities", str(campus_csvs[0])]
    result = runner.invoke(app, [*args, "--population", str(campus_csvs[1]), "--minutes", "5"])
    assert result.exit_code == 2
    assert "roads.osm.pbf" in result.stderr
    assert "Traceback" not in result.stderr


def test_default_snap_limit_is_the_library_default() -> None:
    default = inspect.signature(coverage).parameters["max_snap_m"].default
    assert default == MAX_SNAP_M
