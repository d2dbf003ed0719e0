"""``fplan check`` on the tiny prepared city: table, JSON equal to the API's, CSV, errors.

The command runs against the test's session through ``obj=CheckEnvironment(...)``, as the API
routes run against it through a dependency override.
"""

import csv
import gc
import io
import json
import re
import unicodedata
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.api.deps import get_norm_catalogues
from app.cli import app
from app.cli.check import _GC_THRESHOLD, CheckEnvironment
from app.services.norms import NormCatalogues
from app.settings import Settings
from tests.fixtures.compliance_city import CITY, WEST, tiny_norms
from tests.fixtures.compliance_city import prepare as prepare_city


@pytest.fixture
def norms(tmp_path: Path, tiny_city: None) -> NormCatalogues:
    return tiny_norms(tmp_path)


@pytest.fixture
def environment(db_session: Session, settings: Settings, norms: NormCatalogues) -> CheckEnvironment:
    return CheckEnvironment(session=db_session, settings=settings, norms=norms)


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def check(environment: CheckEnvironment, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["check", *args], obj=environment)
    return result.exit_code, result.stdout, result.stderr


def test_json_has_the_figures_of_the_api(
    environment: CheckEnvironment, client: TestClient, db_session: Session
) -> None:
    prepare_city(db_session)

    code, out, err = check(environment, "--city", CITY, "--format", "json")

    assert code == 0, err
    printed = json.loads(out)
    assert set(printed) >= {"city", "run_id", "results"}
    assert printed["city"] == CITY
    first = printed["results"][0]
    assert set(first) >= {
        "region_adcode",
        "region_name",
        "rule_id",
        "kind",
        "value",
        "target",
        "passed",
        "shortfall",
        "unit",
        "citation",
    }
    assert set(first["citation"]) == {
        "document",
        "lines",
        "quote",
        "plan_title_zh",
        "plan_title_en",
        "document_number",
        "issuer_zh",
    }
    assert {"status", "title_zh", "title_en", "binding", "year", "baseline"} <= set(first)
    assert set(printed) >= {"plan", "counts", "data_gaps"}
    # the tiny city's street is real: every resident is analysed on real roads
    assert printed["real_road_share"] == 1.0

    api = cast("FastAPI", client.app)
    api.dependency_overrides[get_norm_catalogues] = lambda: environment.norms
    body = client.get("/api/v1/compliance", params={"city": CITY}).json()
    assert body["run_id"] == printed["run_id"]
    assert body["results"] == printed["results"]


def test_the_answer_groups_results_by_region_in_chinese(
    environment: CheckEnvironment, db_session: Session
) -> None:
    prepare_city(db_session)

    code, out, err = check(environment, "--city", CITY)

    assert code == 0, err
    for heading in ("测试市 439900", "东区 439901", "西县 439902"):
        assert heading in out
    flat = " ".join(out.split())
    assert "尚缺5辆救护车" in flat
    assert "needs 5 more" not in flat
    assert "《小城卫生健康规划》 小政发〔2021〕1号" in flat
    assert "共 12 条结果：达标 3，未达标 9，无法判断 0，参考 0，不适用 0" in flat
    assert "真实路网上的居民：100.0%（路网：tiny.osm）" in flat
    # the norm the register cannot evaluate, with what it needs in words (never the field ids)
    assert "（tcm_physicians，第6行）：需要 中医类别执业（助理）医师数、住宅小区" in flat


def test_english_on_request(environment: CheckEnvironment, db_session: Session) -> None:
    prepare_city(db_session)

    code, out, err = check(environment, "--city", CITY, "--lang", "en")

    assert code == 0, err
    flat = " ".join(out.split())
    assert "needs 5 more" in flat
    assert "12 results: 3 pass, 9 fail, 0 unknown, 0 info, 0 not applicable" in flat
    assert "residents on real roads: 100.0% (network: tiny.osm)" in flat
    assert "needs TCM-category physicians, residential compounds" in flat


def test_filters_keep_value_target_and_shortfall_at_80_columns(
    environment: CheckEnvironment, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_city(db_session)
    monkeypatch.setenv("COLUMNS", "80")

    _, printed, _ = check(environment, "--city", CITY, "--format", "json")
    failing = [
        r
        for r in json.loads(printed)["results"]
        if r["rule_id"] == "tiny.ambulance_fleet" and r["status"] == "fail"
    ]
    assert failing

    code, out, err = check(environment, "--city", CITY, "--rule", "ambulance_fleet", "--failing")

    assert code == 0, err
    lines = out.splitlines()
    # every failing unit, its figures and verdict on one line of at most 80 columns
    for r in failing:
        assert f"{r['region_name']} {r['region_adcode']}" in lines
        figures = f"现状 {r['value']:g} · 目标 {r['target']:g} · 差距 {r['shortfall']:g} 辆救护车"
        line = next(line for line in lines if figures in line)
        assert "未达标" in line
        assert display_width(line) <= 80
    assert "达标 ·" not in out.replace("未达标 ·", "")
    assert f"显示 {len(failing)} / 12 条结果" in out
    # the plan's lines as a Chinese reader cites them, not the catalogue's L-label
    first, _, last = failing[0]["citation"]["lines"].removeprefix("L").partition("-")
    assert f"第{first}～{last}行" in out if last else f"第{first}行" in out
    assert not re.search(r"\bL[0-9]", out)


def test_a_region_by_name_and_an_unknown_rule(
    environment: CheckEnvironment, db_session: Session
) -> None:
    prepare_city(db_session)

    code, out, err = check(environment, "--city", CITY, "--region", "东区")
    assert code == 0, err
    assert "东区 439901" in out
    assert "西县 439902" not in out

    code, out, err = check(environment, "--city", CITY, "--rule", "no_such_rule")
    assert code == 2
    assert "no_such_rule" in err
    assert "tiny.ambulance_fleet" in err


def test_files_need_out_and_are_written(
    environment: CheckEnvironment, db_session: Session, tmp_path: Path
) -> None:
    prepare_city(db_session)

    code, _, err = check(environment, "--city", CITY, "--format", "xlsx")
    assert code == 2
    assert "--out" in err

    target = tmp_path / "check.xlsx"
    code, _, err = check(environment, "--city", CITY, "--format", "xlsx", "--out", str(target))
    assert code == 0, err
    assert target.read_bytes()[:2] == b"PK"
    assert str(target) in " ".join(err.split()).replace(" ", "") or target.name in err


def test_csv_rows(environment: CheckEnvironment, db_session: Session) -> None:
    prepare_city(db_session)

    code, out, _ = check(environment, "--city", CITY, "--format", "csv")

    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    fleet = next(
        r for r in rows if (r["rule_id"], r["region_adcode"]) == ("tiny.ambulance_fleet", WEST)
    )
    # rounded for reading (at most four decimals, no trailing zeros), no BOM on stdout
    assert (fleet["value"], fleet["target"], fleet["shortfall"]) == ("0", "5", "5")
    assert not out.startswith("\ufeff")


def test_an_unprepared_city_names_the_demo_command(environment: CheckEnvironment) -> None:
    code, out, err = check(environment, "--city", CITY, "--format", "json")

    assert code == 2
    assert out == ""
    assert "fplan demo --city 439900" in " ".join(err.split())
    code, out, err = check(environment, "--city", CITY, "--format", "json", "--lang", "en")
    assert "run `fplan demo --city 439900`" in " ".join(err.split())


def test_a_bad_adcode_is_refused(environment: CheckEnvironment) -> None:
    code, _, err = check(environment, "--city", "4399")

    assert code == 2
    assert "--city 应为 6 位行政区划代码" in err
    assert "'4399'" in err
    code, _, err = check(environment, "--city", "4399", "--lang", "en")
    assert code == 2
    assert "6-digit adcode" in err


def test_json_says_what_the_figures_rest_on_as_the_api_does(
    environment: CheckEnvironment, client: TestClient, db_session: Session
) -> None:
    from app.db.models import Facility, RoadNetwork
    from tests.fixtures.compliance_city import CELLS, EAST, LAT, WEST

    prepare_city(db_session)
    # a generated clinic in the west county, and residents from an imported raster
    db_session.add(
        Facility(
            name="模拟村卫生室",
            type="village_clinic",
            region_adcode=WEST,
            source="synthetic",
            geom=f"SRID=4326;POINT(112.93 {LAT})",
        )
    )
    network = db_session.scalars(select(RoadNetwork).where(RoadNetwork.city_adcode == CITY)).one()
    source = {
        "kind": "raster",
        "file": "worldpop_100m.tif",
        "file_date": "2024-05-01",
        "imported_at": "2026-01-02",
        "calibrate": "census",
    }
    network.params = {**(network.params or {}), "population_source": source}
    db_session.flush()

    code, out, err = check(environment, "--city", CITY, "--format", "json")

    assert code == 0, err
    basis = json.loads(out)["basis"]
    assert basis["network_synthetic"] is False
    assert basis["population"] == source
    rows = {r["region_adcode"]: r for r in basis["regions"]}
    assert [r["region_adcode"] for r in basis["regions"]] == [CITY, EAST, WEST]
    people = {unit: sum(p for _, _, p, _, u in CELLS if u == unit) for unit in (EAST, WEST)}
    # a real network covering the city: every resident on real roads
    for unit, residents in people.items():
        assert rows[unit]["residents"] == rows[unit]["residents_on_real_roads"] == residents
        assert rows[unit]["real_road_share"] == 1.0
    assert rows[CITY]["residents"] == sum(people.values())
    # east: a centre and a station, both real; west: a real township centre, a generated clinic
    assert (rows[EAST]["facilities_real"], rows[EAST]["facilities_synthetic"]) == (2, 0)
    assert (rows[WEST]["facilities_real"], rows[WEST]["facilities_synthetic"]) == (1, 1)
    assert rows[WEST]["real_facility_share"] == 0.5
    assert rows[CITY]["real_facility_share"] == 0.75

    api = cast("FastAPI", client.app)
    api.dependency_overrides[get_norm_catalogues] = lambda: environment.norms
    body = client.get("/api/v1/compliance", params={"city": CITY}).json()
    assert body["basis"] == basis


def test_json_stays_pure_json_even_with_progress_forced(
    environment: CheckEnvironment, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare_city(db_session)
    monkeypatch.setenv("FPLAN_PROGRESS", "1")

    code, out, err = check(environment, "--city", CITY, "--format", "json")

    assert code == 0, err
    assert json.loads(out)["city"] == CITY
    assert "核查" not in err


def test_forced_progress_labels_the_stage_in_chinese(
    environment: CheckEnvironment, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo import messages

    prepare_city(db_session)
    monkeypatch.setenv("FPLAN_PROGRESS", "1")

    code, _, err = check(environment, "--city", CITY)

    assert code == 0, err
    assert messages.text("progress.evaluation", "zh", city=CITY) in err
    # without a terminal and unforced: no bar
    monkeypatch.delenv("FPLAN_PROGRESS")
    code, _, err = check(environment, "--city", CITY)
    assert code == 0, err
    assert messages.text("progress.evaluation", "zh", city=CITY) not in err


def test_the_collector_is_as_it_was_after_a_check(
    environment: CheckEnvironment, db_session: Session
) -> None:
    # the command collects garbage rarely while it runs (app.cli.check._GC_THRESHOLD), and gives
    # the process back its own thresholds, whether it answered or refused
    prepare_city(db_session)
    before = gc.get_threshold()
    assert before != _GC_THRESHOLD
    code, out, err = check(environment, "--city", CITY, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["city"] == CITY
    assert gc.get_threshold() == before
    code, _, _ = check(environment, "--city", "999999", "--format", "json")
    assert code != 0
    assert gc.get_threshold() == before
