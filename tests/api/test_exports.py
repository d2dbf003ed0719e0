"""``/compliance?format=xlsx|geojson|gpkg`` on the tiny prepared city: the files planners open.

The workbook's figures are those of the JSON answer; the GeoPackage's verdict layer joins one to
one to the city's county-level units and carries QGIS styles; GeoJSON holds both layers.
"""

import io
import sqlite3
from pathlib import Path

import openpyxl
import pyogrio
from fastapi.testclient import TestClient

from tests.fixtures.compliance_city import CITY, EAST, WEST


def test_the_workbook_has_a_sheet_per_family_and_the_figures_of_the_json(
    prepared: TestClient,
) -> None:
    body = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    response = prepared.get("/api/v1/compliance", params={"city": CITY, "format": "xlsx"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="compliance-439900.xlsx"' in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    families = {
        "fleet_ratio": "救护车配置",
        "ems_response": "急救反应半径",
        "travel_time_coverage": "出行时间覆盖",
        "radius_coverage": "服务半径覆盖",
    }
    kinds = {r["kind"] for r in body["results"]}
    assert kinds <= set(families)
    assert book.sheetnames[0] == "汇总"
    assert book.sheetnames[-1] == "数据来源"
    assert [*sorted(families[kind] for kind in kinds), "数据缺口"] == [
        *sorted(book.sheetnames[1:-2]),
        book.sheetnames[-2],
    ]
    # the data-gap sheet says what the norm needs in words, not as field ids
    (gap,) = book["数据缺口"].iter_rows(min_row=2, values_only=True)
    assert gap[1:4] == (
        "tiny.tcm_physicians",
        "中医类别执业（助理）医师数、住宅小区",
        "尚无数据来源记录各机构的中医类别医师数。",
    )
    # every result's value, target and shortfall sit under its rule id (row 2), in its region's row
    checked = 0
    for result in body["results"]:
        sheet = book[_sheet_of(book, result["rule_id"])]
        column = next(c.column for c in sheet[2] if c.value == result["rule_id"])
        row = next(c.row for c in sheet["B"] if c.value == result["region_adcode"])
        values = [sheet.cell(row, column + offset).value for offset in range(3)]
        assert values == [result["value"], result["target"], result["shortfall"]]
        checked += 1
    assert checked == len(body["results"]) == 12
    fleet = book["救护车配置"]
    assert fleet.cell(3, 3).value == "现状（救护车）"
    west = next(c.row for c in fleet["B"] if c.value == WEST)
    assert fleet.cell(west, 6).value == "未达标"
    assert fleet.cell(west, 6).fill.fgColor.rgb.endswith("FFC7CE")
    provenance = {row[0]: row[1] for row in book["数据来源"].iter_rows(values_only=True)}
    assert provenance["核算编号"] == body["run_id"]
    # the tiny city's network and register are real
    assert (body["synthetic"], provenance["模拟数据"]) == (False, "真实数据")
    assert (body["real_road_share"], provenance["真实路网上的居民"]) == (1.0, "100.0%")
    assert isinstance(provenance["数据版本"], int)


def _sheet_of(book: openpyxl.Workbook, rule_id: str) -> str:
    return next(name for name in book.sheetnames if any(c.value == rule_id for c in book[name][2]))


def test_the_geopackage_joins_verdicts_to_the_units_and_is_styled(
    prepared: TestClient, tmp_path: Path
) -> None:
    body = prepared.get("/api/v1/compliance", params={"city": CITY}).json()
    response = prepared.get("/api/v1/compliance", params={"city": CITY, "format": "gpkg"})

    assert response.status_code == 200, response.text
    path = tmp_path / "compliance.gpkg"
    path.write_bytes(response.content)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"verdicts", "gaps"} <= layers
    verdicts = pyogrio.read_dataframe(path, layer="verdicts")
    # one feature per county-level unit of the city, each once
    assert sorted(verdicts["adcode"]) == [EAST, WEST]
    assert verdicts.geometry.notna().all()
    west = verdicts.set_index("adcode").loc[WEST]
    fleet = next(
        r
        for r in body["results"]
        if (r["rule_id"], r["region_adcode"]) == ("tiny.ambulance_fleet", WEST)
    )
    assert (west["ambulance_fleet_status"], west["ambulance_fleet_shortfall"]) == (
        "fail",
        fleet["shortfall"],
    )
    assert west["fail_count"] == sum(
        1 for r in body["results"] if r["region_adcode"] == WEST and r["status"] == "fail"
    )
    with sqlite3.connect(path) as db:
        styles = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles").fetchall())
    assert set(styles) == {"verdicts", "gaps"}
    assert 'attr="fail_count"' in styles["verdicts"]
    assert 'attr="residents_per_km2"' in styles["gaps"]


def test_geojson_holds_both_layers(prepared: TestClient) -> None:
    response = prepared.get(
        "/api/v1/compliance", params={"city": CITY, "format": "geojson", "lang": "en"}
    )

    assert response.status_code == 200, response.text
    features = response.json()["features"]
    verdicts = [f for f in features if f["properties"]["layer"] == "verdicts"]
    assert sorted(f["properties"]["adcode"] for f in verdicts) == [EAST, WEST]
    assert {f["properties"]["ambulance_fleet_label"] for f in verdicts} <= {"pass", "fail"}
    gaps = [f for f in features if f["properties"]["layer"] == "gaps"]
    assert all(g["properties"]["residents_per_km2"] > 0 for g in gaps)


def test_gap_zones_carry_their_density(prepared: TestClient) -> None:
    zones = prepared.get("/api/v1/gaps", params={"city": CITY}).json()["features"]

    assert zones
    for zone in zones:
        p = zone["properties"]
        # residents beyond reach per km² of the zone: what the map shades zones by
        assert p["area_km2"] > 0
        # density × area gives back the residents, within the two roundings (0.1 per km² of
        # density, 0.001 km² of area)
        error = abs(p["residents_per_km2"] * p["area_km2"] - p["residents"])
        assert error <= 0.05 * p["area_km2"] + 0.0005 * p["residents_per_km2"] + 1e-6


def test_an_unknown_format_or_language_is_refused(prepared: TestClient) -> None:
    response = prepared.get("/api/v1/compliance", params={"city": CITY, "format": "pdf"})
    assert response.status_code == 422
    response = prepared.get("/api/v1/compliance", params={"city": CITY, "lang": "fr"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "lang"
