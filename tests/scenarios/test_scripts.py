"""The planner scripts end to end on a small prepared Jishou (433101), in a database of their own.

The database is created and migrated for this module, Jishou is prepared once (a synthetic
network of about 4,000 nodes, 1 km population cells, demo facilities) and the database is dropped
at the end. Each script runs through ``main([...])`` with ``--database-url``, as a planner runs it.
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app.db.migrate import upgrade_database
from app.db.models import Facility, Scenario, ScenarioChange
from app.db.session import create_db_engine, create_session_factory
from app.services.demo import prepare_city
from app.settings import Settings
from scenarios import changsha_chc, hengyang_hospital, jishou_villages, yongzhou_ems
from tests.conftest import drop_database, recreate_database

JISHOU = "433101"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def database(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    url = make_url(settings.database_url)
    own = url.set(database=f"{url.database}_scripts").render_as_string(hide_password=False)
    recreate_database(own)
    upgrade_database(own)
    scripts = Settings(
        database_url=own,
        data_dir=settings.data_dir,
        plans_dir=settings.plans_dir,
        cache_dir=tmp_path_factory.mktemp("scripts-cache"),
    )
    engine = create_db_engine(scripts)
    with create_session_factory(engine)() as session:
        prepare_city(session, scripts, JISHOU, target_nodes=4000, cell_size_m=1000.0)
    engine.dispose()
    yield scripts
    drop_database(own)


def common_args(database: Settings, out: Path) -> list[str]:
    return [
        "--city",
        JISHOU,
        "--database-url",
        database.database_url,
        "--cache-dir",
        str(database.cache_dir),
        "--out",
        str(out),
    ]


def geojson(path: Path) -> list[dict[str, Any]]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    features: list[dict[str, Any]] = collection["features"]
    for feature in features:
        lon, lat = _first_position(feature["geometry"]["coordinates"])
        # Jishou lies around 109.4–110.0°E, 28.1–28.5°N
        assert 109.3 < lon < 110.1, feature
        assert 28.0 < lat < 28.6, feature
    return features


def _first_position(coordinates: Any) -> tuple[float, float]:
    while isinstance(coordinates[0], list | tuple):
        coordinates = coordinates[0]
    return float(coordinates[0]), float(coordinates[1])


def register(database: Settings) -> tuple[int, int]:
    engine = create_db_engine(database)
    with create_session_factory(engine)() as session:
        counted = session.execute(
            select(func.count(Facility.id), func.coalesce(func.sum(Facility.version), 0))
        ).one()
    engine.dispose()
    return int(counted[0]), int(counted[1])


def test_yongzhou_ems_sites_stations_and_sizes_the_fleet(
    database: Settings, tmp_path: Path
) -> None:
    before = register(database)

    code = yongzhou_ems.main(common_args(database, tmp_path))

    assert code == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Fleet per county-level unit" in report
    # every resident within reach and the fleet sized: the radius, fleet and negative-pressure
    # rules (one row each for Jishou) all pass after
    assert report.count("→ pass |") == 3, report
    assert "→ **fail**" not in report
    stations = geojson(tmp_path / "stations.geojson")
    proposed = [f for f in stations if f["properties"]["stage"] != "existing"]
    assert proposed
    assert all(f["properties"]["ambulances_after"] >= 1 for f in proposed)
    # no EMS point, old or new, is left without an ambulance; the cost is stated
    assert all(f["properties"]["ambulances_after"] >= 1 for f in stations)
    assert "## What the plan costs" in report
    assert "| EMS points without an ambulance |  | 0 |  |" in report
    assert geojson(tmp_path / "gaps_before.geojson")
    assert geojson(tmp_path / "gaps_after.geojson") == []
    # the register is read, never written
    assert register(database) == before


def test_hengyang_hospital_reports_access_and_beds(database: Settings, tmp_path: Path) -> None:
    code = hengyang_hospital.main(
        [*common_args(database, tmp_path), "--lon", "109.6415", "--lat", "28.2952"]
    )

    assert code == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Within 15 minutes by car of a general hospital" in report
    assert "## Within 30 minutes by car of a general hospital" in report
    assert "hengyang.beds_per_1000" in report
    (site,) = geojson(tmp_path / "hospital.geojson")
    assert site["properties"]["beds"] == 1500
    # the site (a node in the west, beyond 30 minutes of every hospital) brings people within
    # both circles; the zones hold exactly the residents the tables count as gained
    for minutes in (15, 30):
        gained = sum(
            z["properties"]["residents"] for z in geojson(tmp_path / f"gains_{minutes}min.geojson")
        )
        assert gained > 0
        assert f"| {gained:,} |" in report


def test_jishou_villages_places_mobile_clinic_points(database: Settings, tmp_path: Path) -> None:
    code = jishou_villages.main(common_args(database, tmp_path))

    assert code == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "在无村医的27个村配备医疗巡诊点" in report
    points = geojson(tmp_path / "mobile_points.geojson")
    assert 0 < len(points) <= 27
    assert all(p["properties"]["residents_within_2_5_km"] > 0 for p in points)
    assert geojson(tmp_path / "villages_without_doctor.geojson")


# the places of care of the Changsha "1530" circle (geo/norms/catalogue/changsha.yaml)
CARE_TYPES = [
    "general_hospital",
    "tcm_hospital",
    "maternal_child_hospital",
    "township_health_center",
    "community_health_center",
    "community_health_station",
]


@contextmanager
def without_places_of_care(database: Settings) -> Iterator[None]:
    """The register without its places of care while the block runs, then exactly as before."""
    engine = create_db_engine(database)
    types = {"types": CARE_TYPES}
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE care_aside AS SELECT * FROM facilities WHERE type = ANY(:types)"
                ),
                types,
            )
            conn.execute(text("DELETE FROM facilities WHERE type = ANY(:types)"), types)
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO facilities SELECT * FROM care_aside"))
            conn.execute(text("DROP TABLE care_aside"))
        engine.dispose()


def test_changsha_chc_closes_the_urban_gap_and_saves_a_scenario(
    database: Settings, tmp_path: Path
) -> None:
    # Jishou's urban residents live in its compact town, all within 15 minutes of a place of care
    # (DATA.md, population); without those places the script must close the whole urban gap
    with without_places_of_care(database):
        code = changsha_chc.main(
            [*common_args(database, tmp_path), "--save-scenario", "15分钟社区中心", "--author", "t"]
        )

    assert code == 0
    centres = geojson(tmp_path / "centres.geojson")
    assert centres
    before = sum(z["properties"]["residents"] for z in geojson(tmp_path / "gaps_before.geojson"))
    after = sum(z["properties"]["residents"] for z in geojson(tmp_path / "gaps_after.geojson"))
    gained = sum(c["properties"]["urban_residents_gained"] for c in centres)
    assert before - after == gained
    engine = create_db_engine(database)
    with create_session_factory(engine)() as session:
        scenario = session.scalars(select(Scenario).where(Scenario.name == "15分钟社区中心")).one()
        changes = session.scalar(
            select(func.count()).where(ScenarioChange.scenario_id == scenario.id)
        )
    engine.dispose()
    assert (scenario.city_adcode, scenario.author, changes) == (JISHOU, "t", len(centres))


def test_an_unprepared_city_is_named(
    database: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = common_args(database, tmp_path)
    args[1] = "431100"

    code = yongzhou_ems.main(args)

    assert code == 2
    assert "fplan demo --city 431100" in capsys.readouterr().out


@pytest.mark.parametrize("script", [changsha_chc, hengyang_hospital, jishou_villages, yongzhou_ems])
def test_help(script: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--help"])

    assert exit_info.value.code == 0
    assert "--city" in capsys.readouterr().out


def test_a_script_runs_from_the_project_root() -> None:
    completed = subprocess.run(
        [sys.executable, "scenarios/jishou_villages.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    assert "mobile clinic points" in completed.stdout
