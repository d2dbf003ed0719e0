"""The EMS station-and-fleet plan in scenario mode, in Chromium, on Yongzhou (a prefecture).

Yongzhou is prepared in the browser tests' database by this module alone, coarsely (2 km
population cells, a 3,000-node synthetic network) so it stays quick. A planner chooses the
ambulance fleet norm, asks for the plan, reads it per county-level unit in Chinese, saves it as
a scenario and sees the scenario among the city's saved ones. The figures are read from the
service's API.
"""

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from app.db.session import create_db_engine
from app.services.compliance import run_compliance
from app.services.demo import prepare_city
from app.services.norms import load_norms
from app.settings import Settings
from tests.browser.conftest import MapPage
from tests.browser.test_map import shown
from tests.browser.test_scenario import get, open_scenario_mode
from tests.browser.test_ux import english_sentences

MapPageFactory = Callable[..., MapPage]

EMS_CITY = "431100"  # Yongzhou: eleven county-level units, stations and a fleet norm
FLEET_RULE = "yongzhou.ambulance_fleet"
STATION_RULE = "yongzhou.ems_station_radius"
OTHER_RULE = "yongzhou.primary_care_circle_15min"
# the plan solves a prefecture: room for a loaded two-core machine
PLAN_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def yongzhou(map_settings: Settings) -> str:
    """Yongzhou prepared (coarsely) and checked in the browser tests' database."""
    engine = create_db_engine(map_settings)
    try:
        with Session(engine) as session:
            prepare_city(session, map_settings, EMS_CITY, target_nodes=3000, cell_size_m=2000)
            session.commit()
            run_compliance(session, map_settings, EMS_CITY, norms=load_norms(map_settings))
            session.commit()
    finally:
        engine.dispose()
    return EMS_CITY


def change(before: float, after: float, scale: int = 1) -> str:
    """Before → after as the card writes it: counts whole, residents in ``scale`` (1 decimal)."""
    digits = 0 if scale == 1 else 1
    return f"{shown(before / scale, digits)} → {shown(after / scale, digits)}"


def visible(page: MapPage, selector: str) -> bool:
    return bool(page.page.locator(selector).is_visible())


def choose_rule(page: MapPage, rule: str) -> None:
    page.page.select_option("#rule-select", rule)
    page.page.wait_for_function("(r) => window.fplan.state.rule?.id === r", arg=rule)


def test_the_ems_plan_is_read_in_chinese_and_saved_as_a_scenario(
    map_page: MapPageFactory, live_url: str, planner_token: str, yongzhou: str
) -> None:
    page = map_page()
    page.open(city=yongzhou, rule=STATION_RULE)
    open_scenario_mode(page, planner_token)

    # offered for the EMS station rule and the fleet rule, not for another norm
    assert visible(page, "#ems-plan")
    choose_rule(page, OTHER_RULE)
    assert not visible(page, "#ems-plan")
    choose_rule(page, FLEET_RULE)
    assert visible(page, "#ems-plan")
    assert not visible(page, "#ems-plan-save")

    page.page.click("#ems-plan-run")
    page.page.wait_for_function(
        "window.fplan.scenario.emsPlan !== null && !window.fplan.scenario.busy",
        timeout=PLAN_TIMEOUT_MS,
    )
    page.idle()
    page.page.locator("#ems-plan").scroll_into_view_if_needed()
    page.shot("01-ems-plan")
    plan: dict[str, Any] = page.js("window.fplan.scenario.emsPlan")
    ems = plan["ems"]

    # the page asked the plan of the fleet norm's station rule; the service answers the same
    body = {
        "city": yongzhou,
        "model": "ems",
        "rule_id": STATION_RULE,
        "candidates": "gaps",
        "time_limit_s": 30,
    }
    headers = {"Authorization": f"Bearer {planner_token}"}
    answer = httpx.post(f"{live_url}/api/v1/optimize", json=body, headers=headers, timeout=120)
    assert answer.status_code == 200, answer.text
    theirs = answer.json()["ems"]
    for name in ("fleet_required", "fleet_before", "stations_before", "covered_before"):
        assert ems[name] == theirs[name], name
    assert [c["adcode"] for c in ems["counties"]] == [c["adcode"] for c in theirs["counties"]]
    # a plan a planner would sign: every station has an ambulance, the norm's fleet is met
    assert ems["stations_without_ambulance"] == 0
    assert ems["fleet_after"] >= ems["fleet_required"]
    assert ems["expected_after"] >= ems["expected_before"]

    # per county-level unit, before → after, with the city's total: stations and fleet, then
    # residents covered in 万 (10,000)
    fleet_rows = page.page.locator("#ems-plan-result .ems-fleet tbody tr")
    cover_rows = page.page.locator("#ems-plan-result .ems-coverage tbody tr")
    assert fleet_rows.count() == cover_rows.count() == len(ems["counties"]) == 11
    for i, unit in enumerate(ems["counties"]):
        fleet = fleet_rows.nth(i).locator("th, td").all_inner_texts()
        assert fleet == [
            unit["name"],
            change(unit["stations_before"], unit["stations_after"]),
            change(unit["fleet_before"], unit["fleet_after"]),
            shown(unit["fleet_required"], 0),
        ]
        cover = cover_rows.nth(i).locator("th, td").all_inner_texts()
        assert cover == [
            unit["name"],
            change(unit["covered_before"], unit["covered_after"], 10_000),
            change(unit["expected_before"], unit["expected_after"], 10_000),
        ]
    total = page.page.locator(
        "#ems-plan-result .ems-fleet tfoot tr th, #ems-plan-result .ems-fleet tfoot tr td"
    )
    assert total.all_inner_texts() == [
        "全市合计",
        change(ems["stations_before"], ems["stations_after"]),
        change(ems["fleet_before"], ems["fleet_after"]),
        shown(ems["fleet_required"], 0),
    ]
    card = page.page.locator("#ems-plan").inner_text()
    assert plan["summary_zh"] in card
    assert f"车辆繁忙率 {shown(100 * ems['busy_fraction'], 1)}%" in card
    # Chinese only: no English sentence on the card nor anywhere on the page
    assert english_sentences(card) == [], card
    assert english_sentences(page.js("() => document.body.innerText")) == []

    # saved as a scenario, it appears among the city's saved scenarios
    assert visible(page, "#ems-plan-save")
    assert page.page.locator("#ems-plan-save").inner_text() == "保存为方案"
    page.page.click("#ems-plan-save")
    page.page.wait_for_function(
        "window.fplan.scenario.emsSaved !== null && !window.fplan.scenario.busy",
        timeout=PLAN_TIMEOUT_MS,
    )
    page.idle()
    page.page.locator("#ems-plan-scenarios").scroll_into_view_if_needed()
    page.shot("02-ems-plan-saved")
    saved: dict[str, Any] = page.js("window.fplan.scenario.emsSaved")
    stored = get(live_url, f"/scenarios/{saved['id']}", planner_token)
    assert stored["city"] == yongzhou
    assert stored["name"] == "永州市急救站与车辆方案"
    assert stored["n_changes"] == saved["n_changes"] > 0
    added = [c for c in stored["changes"] if c["kind"] == "add"]
    saved_plan = page.js("window.fplan.scenario.emsPlan")["ems"]
    assert len(added) == saved_plan["new_stations"]
    listed = page.page.locator(f"#ems-plan-scenarios li[data-scenario-id='{saved['id']}']")
    assert listed.is_visible()
    assert stored["name"] in listed.inner_text()
    said = page.page.locator("#ems-plan-saved").inner_text()
    assert f"编号 {saved['id']}" in said
    assert re.search(r"[A-Za-z]{3,}", said) is None, said
    assert english_sentences(page.js("() => document.body.innerText")) == []
    assert page.errors == []
