"""The planner scripts end to end on a small prepared Jishou (433101), in a database of their own.

The database is created and migrated for this module, Jishou is prepared once (a synthetic
network of about 4,000 nodes, 1 km population cells, demo facilities) and the database is dropped
at the end. Each script runs through ``main([...])`` with ``--database-url``, as a planner runs it,
or through ``fplan scenario run``. The reports are read as a planner reads them: the Chinese one
holds no English sentence and no internal id, the English one (``--lang en``) is English.
"""

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import app
from app.db.migrate import upgrade_database
from app.db.models import Facility, Scenario, ScenarioChange
from app.db.session import create_db_engine, create_session_factory
from app.services.demo import prepare_city
from app.settings import Settings
from scenarios import changsha_chc, hengyang_hospital, jishou_villages, yongzhou_ems
from tests._english import english_sentences
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


def common_args(database: Settings, out: Path, lang: str = "en") -> list[str]:
    return [
        "--city",
        JISHOU,
        "--database-url",
        database.database_url,
        "--cache-dir",
        str(database.cache_dir),
        "--out",
        str(out),
        "--lang",
        lang,
    ]


# what a Chinese report may hold in Latin letters: proper names, units, the plan's own numbers,
# the command that prepares a city, file names the report points to
ALLOWED_LATIN = re.compile(
    r"fplan demo|Daskin|HiGHS|GeoJSON|WGS84|km²?|\b[A-Z]{1,3}\b|"
    r"[a-z_]+\.(?:geojson|md)\b|\b(?:lon|lat)\b"
)
# three Latin words in a row: an English sentence
ENGLISH_SENTENCE = re.compile(r"[A-Za-z][A-Za-z'-]*(?:[ ,;:()-]+[A-Za-z][A-Za-z'-]*){2,}")
# an id a person should not read: a rule id, a vocabulary id, a source id
INTERNAL_ID = re.compile(
    r"\b[a-z]+\.[a-z0-9]+_[a-z0-9_]+\b|\b[a-z]+_[a-z_]+\b|\b(?:real|synthetic|unknown|pass|fail)\b"
)


def english_in(report: str) -> list[str]:
    """The English sentences and internal ids of a Chinese report (none expected)."""
    bare = ALLOWED_LATIN.sub(" ", report)
    return ENGLISH_SENTENCE.findall(bare) + INTERNAL_ID.findall(bare)


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

    code = yongzhou_ems.main(common_args(database, tmp_path, "zh"))

    assert code == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## 各县市区的救护车" in report
    assert english_in(report) == []
    # every resident within reach and the fleet sized: the radius, fleet and negative-pressure
    # rules (one row each for Jishou) all pass after
    assert report.count("→ 达标 |") == 3, report
    assert "→ **未达标**" not in report
    stations = geojson(tmp_path / "stations.geojson")
    proposed = [f for f in stations if f["properties"]["stage_id"] != "existing"]
    assert proposed
    assert all(f["properties"]["ambulances_after"] >= 1 for f in proposed)
    # no EMS point, old or new, is left without an ambulance; the cost is stated
    assert all(f["properties"]["ambulances_after"] >= 1 for f in stations)
    assert "## 规划的代价" in report
    assert "| 没有救护车的急救点 |  | 0 |  |" in report
    # the map layers speak the reader's language; ids ride beside them
    shown = [f["properties"][key] for f in stations for key in ("type", "stage")]
    assert all(re.search(r"[\u4e00-\u9fff]", value) for value in shown), shown
    assert "ems_station" in {f["properties"]["type_id"] for f in stations}
    gap = geojson(tmp_path / "gaps_before.geojson")[0]["properties"]
    assert gap["rule_id"] == yongzhou_ems.RADIUS
    assert english_in(f"{gap['rule']} {gap['region']}") == []
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
    assert "## Beds per 1,000 residents" in report
    (site,) = geojson(tmp_path / "hospital.geojson")
    assert site["properties"]["beds"] == 1500
    assert (site["properties"]["type"], site["properties"]["type_id"]) == (
        "general hospital",
        "general_hospital",
    )
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
    assert points[0]["properties"]["name"] == "mobile clinic point 1"
    zones = geojson(tmp_path / "villages_without_doctor.geojson")
    assert zones
    assert zones[0]["properties"]["rule_id"] == jishou_villages.RADIUS
    assert not re.search(r"[\u4e00-\u9fff]", zones[0]["properties"]["rule"])


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
    shown = " ".join(capsys.readouterr().out.split())
    assert "--city" in shown
    # Chinese by default: the options, and argparse's own words, from the catalogue
    assert shown.startswith("用法：python scenarios/")
    assert "使用哪个城市的数据（行政区划代码）（默认：" in shown
    assert "显示本帮助并退出" in shown
    assert english_sentences(shown) == []
    with pytest.raises(SystemExit):
        script.main(["--lang", "en", "--help"])
    english = " ".join(capsys.readouterr().out.split())
    assert english.startswith("Usage: python scenarios/")
    assert "adcode of the city whose data to use (default: " in english
    assert "使用哪个城市" not in english


def test_a_bad_option_is_named_in_the_readers_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as chinese:
        jishou_villages.main(["--points", "0"])
    said = capsys.readouterr().err
    with pytest.raises(SystemExit) as english:
        jishou_villages.main(["--lang", "en", "--bogus"])

    assert chinese.value.code == english.value.code == 2
    assert "错误：--points：应为不小于 1 的整数，收到 0" in said
    assert "Error: unrecognized arguments: --bogus" in capsys.readouterr().err


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
    assert "吉首：村卫生室2.5公里服务半径、农村30分钟就医圈和医疗巡诊点" in completed.stdout


def test_a_script_runs_with_a_python_outside_the_project() -> None:
    # a Python without the project's packages (as `python scenarios/x.py` outside .venv):
    # the script restarts itself with the project's own Python
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "scenarios/hengyang_hospital.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    assert "衡阳：城东新建不少于1500张床位的市级综合医院" in completed.stdout


def test_the_installed_fplan_runs_a_script_from_any_folder(
    database: Settings, tmp_path: Path
) -> None:
    # the console script, started in a folder that is not the project's: the scripts are part
    # of the installed package, not found through the working directory
    fplan = Path(sys.executable).with_name("fplan")
    completed = subprocess.run(
        [
            str(fplan),
            "scenario",
            "run",
            "yongzhou_ems",
            "--city",
            "431100",
            "--out",
            str(tmp_path / "out"),
            "--database-url",
            database.database_url,
            "--cache-dir",
            str(database.cache_dir),
        ],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "FPLAN_LANG": "", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    # Yongzhou is not prepared in this database: the script itself answers, in Chinese
    assert "ModuleNotFoundError" not in completed.stderr
    assert completed.returncode == 2, completed.stderr
    assert "fplan demo --city 431100" in completed.stdout
    assert english_in(completed.stdout) == []


def test_fplan_scenario_run_writes_a_chinese_report_with_progress(
    database: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "jishou"
    runner = CliRunner()
    args = [
        "scenario",
        "run",
        "jishou_villages",
        "--city",
        JISHOU,
        "--out",
        str(out),
        "--database-url",
        database.database_url,
        "--cache-dir",
        str(database.cache_dir),
        "--points",
        "5",
    ]

    result = runner.invoke(app, args, env={"FPLAN_LANG": ""})

    assert result.exit_code == 0, result.output
    # progress, one line per step with its time, and where the outputs are
    assert "✓ 核查规划指标（现状）" in result.stderr
    assert "✓ 选址：最大覆盖模型" in result.stderr
    assert f"已写出：{out.resolve()}" in result.stdout
    report = (out / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# 村卫生室2.5公里服务半径、农村30分钟就医圈与医疗巡诊点（吉首规划）")
    plan = "《吉首市“十四五”卫生健康事业发展规划》"
    assert f"{plan}第12行：「在无村医的27个村配备医疗巡诊点」" in report
    assert "解读：服务半径按字面理解为直线半径" in report
    assert "| 地区 | 之前 | 之后 | 结论 | 之后的结果 |" in report
    assert english_in(report) == []

    english = runner.invoke(app, [*args, "--lang", "en", "--out", str(tmp_path / "en")])

    assert english.exit_code == 0, english.output
    report_en = (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    assert report_en.startswith("# Village clinics within 2.5 km, the rural 30-minute circle")
    assert "Interpretation: 服务半径 (service radius) read literally" in report_en
    assert "| region | before | after | verdict | after, in words |" in report_en
    assert not re.search(r"[\u4e00-\u9fff]{2,}区|核查|之前|之后", report_en.split("|")[0])
    assert "✓ checking the plan's norms (as is)" in english.stderr


def test_fplan_scenario_run_json_lists_the_files(database: Settings, tmp_path: Path) -> None:
    out = tmp_path / "hospital"
    result = CliRunner().invoke(
        app,
        [
            "scenario",
            "run",
            "hengyang_hospital",
            "--json",
            "--city",
            JISHOU,
            "--out",
            str(out),
            "--database-url",
            database.database_url,
            "--cache-dir",
            str(database.cache_dir),
            "--lon",
            "109.6415",
            "--lat",
            "28.2952",
        ],
    )

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    answer = json.loads(result.stdout)
    assert answer["report"] == str((out / "report.md").resolve())
    assert {Path(f).name for f in answer["files"]} == {
        "report.md",
        "hospital.geojson",
        "gains_15min.geojson",
        "gains_30min.geojson",
    }
    assert english_in((out / "report.md").read_text(encoding="utf-8")) == []


def test_fplan_scenario_list_and_an_unknown_name() -> None:
    runner = CliRunner()

    listed = runner.invoke(app, ["scenario", "list"])
    unknown = runner.invoke(app, ["scenario", "run", "nowhere"])

    assert listed.exit_code == 0
    for name in ("changsha_chc", "hengyang_hospital", "jishou_villages", "yongzhou_ems"):
        assert name in listed.stdout
    assert "永州：急救站服务半径城区5公里" in listed.stdout
    assert unknown.exit_code == 2
    assert "没有名为 nowhere 的规划脚本" in unknown.output
