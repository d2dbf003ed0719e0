"""``fplan check`` on the tiny prepared city: table, JSON equal to the API's, CSV, errors.

The command runs against the test's session through ``obj=CheckEnvironment(...)``, as the API
routes run against it through a dependency override.
"""

import csv
import io
import json
from pathlib import Path
from typing import cast

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.api.deps import get_norm_catalogues
from app.cli import app
from app.cli.check import CheckEnvironment
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

    api = cast("FastAPI", client.app)
    api.dependency_overrides[get_norm_catalogues] = lambda: environment.norms
    body = client.get("/api/v1/compliance", params={"city": CITY}).json()
    assert body["run_id"] == printed["run_id"]
    assert body["results"] == printed["results"]


def test_the_table_groups_results_by_region(
    environment: CheckEnvironment, db_session: Session
) -> None:
    prepare_city(db_session)

    code, out, err = check(environment, "--city", CITY)

    assert code == 0, err
    assert out == ""
    for heading in ("测试市 439900", "东区 439901", "西县 439902"):
        assert heading in err
    flat = " ".join(err.split())
    assert "needs 5 more" in flat
    assert "需增加救护车5辆" in flat
    assert "《小城卫生健康规划》 小政发〔2021〕1号" in flat
    assert (
        "12 results 条结果: 3 pass 通过, 9 fail 未达标, 0 unknown 未知, 0 info 参考, "
        "0 not applicable 不适用"
    ) in flat


def test_csv_rows(environment: CheckEnvironment, db_session: Session) -> None:
    prepare_city(db_session)

    code, out, _ = check(environment, "--city", CITY, "--format", "csv")

    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    fleet = next(
        r for r in rows if (r["rule_id"], r["region_adcode"]) == ("tiny.ambulance_fleet", WEST)
    )
    assert (fleet["value"], fleet["target"], fleet["shortfall"]) == ("0.0", "5.0", "5.0")


def test_an_unprepared_city_names_the_demo_command(environment: CheckEnvironment) -> None:
    code, out, err = check(environment, "--city", CITY, "--format", "json")

    assert code == 2
    assert out == ""
    assert "run `fplan demo --city 439900`" in " ".join(err.split())


def test_a_bad_adcode_is_refused(environment: CheckEnvironment) -> None:
    code, _, err = check(environment, "--city", "4399")

    assert code == 2
    assert "6-digit adcode" in err
