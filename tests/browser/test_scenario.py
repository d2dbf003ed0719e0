"""Scenario mode and the coverage-area layer in Chromium, driven as a planner would.

A planner enters a token, chooses a facility type, places a site on an underserved zone and sees
the quick diff, then the scenario's zones replace the register's; the scenario is saved under a
name and a site is undone; sites are suggested and drawn; the chosen norm's coverage areas are
drawn; bad tokens are explained. Every expected figure is read from the service's API.
"""

from collections.abc import Callable
from typing import Any

import httpx
from shapely.geometry import Point, shape
from sqlalchemy.orm import Session

from app.db.session import create_db_engine
from app.schemas.token import TokenCreate
from app.services import auth
from app.settings import Settings
from geo.terms import FACILITY_TYPES
from tests.browser.conftest import CITY, MapPage
from tests.browser.test_map import (
    RENDERED_SCRIPT,
    shown,
    spatial_rule_with_gaps,
    switch_off,
)

MapPageFactory = Callable[..., MapPage]

# "within a second" of the click, with room for a loaded two-core machine
SCENARIO_READY_TIMEOUT_MS = 30_000
NEW_TYPE = "community_health_center"

# the chosen norm's zones as the page holds them: [count, residents]
ZONES_SCRIPT = """(rule) => {
  const zones = window.fplan.state.gaps.features.filter((f) => f.properties.rule_id === rule);
  return [zones.length, zones.reduce((n, f) => n + f.properties.residents, 0)];
}"""
# the zones of the chosen norm drawn on the map (a zone cut by tiles counts once)
RENDERED_ZONES_SCRIPT = """(rule) => new Set(window.fplan.map
  .queryRenderedFeatures({ layers: ['gaps-fill'] })
  .filter((f) => f.properties.rule_id === rule)
  .map((f) => f.id)).size"""
SCENARIO_DRAWN = (
    "window.fplan.scenario.id !== null && "
    "window.fplan.state.verdictsFor === window.fplan.scenario.id"
)


def get(live_url: str, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.get(f"{live_url}/api/v1{path}", params=params, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def zone_totals(zones: list[dict[str, Any]]) -> list[int]:
    return [len(zones), sum(z["properties"]["residents"] for z in zones)]


def issue_token(settings: Settings, role: str, name: str) -> str:
    engine = create_db_engine(settings)
    try:
        with Session(engine) as session:
            secret = auth.create_token(session, TokenCreate(name=name, role=role)).secret
            session.commit()
    finally:
        engine.dispose()
    return secret


def open_scenario_mode(page: MapPage, token: str) -> None:
    page.page.click("#scenario-button")
    page.page.locator("#scenario-panel").wait_for(state="visible")
    page.page.fill("#scenario-token", token)


def test_placing_a_site_closes_a_gap_and_the_scenario_is_saved(
    map_page: MapPageFactory, live_url: str, planner_token: str
) -> None:
    rule, zones = spatial_rule_with_gaps(live_url)
    # the most populous one-cell zone: a new centre inside it brings its residents within reach
    zone = max(
        (z for z in zones if z["properties"]["cells"] == 1),
        key=lambda z: z["properties"]["residents"],
    )
    inside = shape(zone["geometry"]).representative_point()
    page = map_page()
    page.open(city=CITY, rule=rule)
    before = page.js(ZONES_SCRIPT, rule)
    assert before == zone_totals(zones)
    drawn_before = page.js(RENDERED_ZONES_SCRIPT, rule)

    open_scenario_mode(page, planner_token)
    # every type of the register can be proposed, named in Chinese
    options = page.page.locator("#scenario-type option")
    assert options.evaluate_all("(els) => els.map((e) => e.value)") == list(FACILITY_TYPES)
    assert "社区卫生服务中心" in options.all_inner_texts()
    page.page.select_option("#scenario-type", NEW_TYPE)
    assert page.page.locator("#scenario-type-note").get_attribute("data-kind") == "ok"
    page.shot("01-panel")
    page.page.click("#scenario-place")
    assert page.page.get_attribute("#scenario-place", "aria-pressed") == "true"
    assert page.js("() => window.fplan.map.getCanvas().style.cursor") == "crosshair"

    page.click_at(inside.x, inside.y)
    gained_cell = page.page.locator("#card tr.gained strong")
    gained_cell.wait_for(state="visible", timeout=5_000)
    page.shot("02-quick-diff")
    gained = int(gained_cell.get_attribute("data-value") or "0")
    assert gained > 0
    underserved = page.page.locator("#card tr.underserved td").inner_text()
    # residents beyond reach are the gap zones' (the city row's shortfall is what the rule's
    # target share still needs, and may be smaller)
    assert underserved == f"{shown(before[1], 0)} → {shown(before[1] - gained, 0)}"

    # then the scenario's own zones replace the register's
    page.page.wait_for_function(SCENARIO_DRAWN, timeout=SCENARIO_READY_TIMEOUT_MS)
    page.idle()
    scenario_id = page.js("window.fplan.scenario.id")
    expected = get(live_url, "/gaps", planner_token, city=CITY, rule=rule, scenario=scenario_id)
    after = page.js(ZONES_SCRIPT, rule)
    assert after == zone_totals(expected["features"])
    assert after[1] == before[1] - gained
    assert after[0] < before[0]
    assert not any(shape(z["geometry"]).contains(inside) for z in expected["features"])
    assert page.js(RENDERED_ZONES_SCRIPT, rule) < drawn_before
    gap_count = page.page.locator("#card tr.gap-count td").inner_text()
    assert gap_count == f"{before[0]} → {after[0]}"
    assert page.js(RENDERED_SCRIPT, "proposed-sites") == 1
    page.shot("03-scenario-zones")
    # the full diff against the register agrees with the quick one
    diff = get(live_url, f"/scenarios/{scenario_id}/diff", planner_token)
    assert diff["summary"]["residents_gained"][rule] == gained

    page.page.keyboard.press("Escape")
    assert page.page.get_attribute("#scenario-place", "aria-pressed") == "false"
    name = f"吉首 {NEW_TYPE} {scenario_id}"
    page.page.fill("#scenario-name", name)
    page.page.click("#scenario-save")
    page.page.wait_for_function("window.fplan.scenario.saved !== null")
    page.shot("04-saved")
    stored = get(live_url, f"/scenarios/{scenario_id}", planner_token)
    assert (stored["name"], stored["author"], stored["n_changes"]) == (name, "map-planner", 1)
    assert f"版本 {stored['version']}" in page.page.locator("#scenario-saved").inner_text()
    (change,) = stored["changes"]
    assert change["properties"]["type"] == NEW_TYPE
    assert Point(change["geometry"]["coordinates"]).distance(inside) < 1e-3

    # undo: the site goes, and the zones are the register's again
    page.page.click("#scenario-undo")
    page.page.wait_for_function(
        "([rule, n]) => window.fplan.state.gaps.features"
        ".filter((f) => f.properties.rule_id === rule).length === n",
        arg=[rule, before[0]],
        timeout=SCENARIO_READY_TIMEOUT_MS,
    )
    page.idle()
    page.shot("05-undone")
    assert page.js(ZONES_SCRIPT, rule) == before
    assert page.js(RENDERED_SCRIPT, "proposed-sites") == 0
    assert get(live_url, f"/scenarios/{scenario_id}", planner_token)["n_changes"] == 0
    assert page.errors == []


def test_suggested_sites_are_drawn_as_the_api_chose_them(
    map_page: MapPageFactory, live_url: str, planner_token: str
) -> None:
    rule, _ = spatial_rule_with_gaps(live_url)
    page = map_page()
    page.open(city=CITY, rule=rule)
    open_scenario_mode(page, planner_token)
    page.page.select_option("#scenario-type", NEW_TYPE)
    page.page.fill("#suggest-count", "2")
    page.page.click("#scenario-suggest")
    page.page.wait_for_function(
        "window.fplan.scenario.suggestions !== null", timeout=SCENARIO_READY_TIMEOUT_MS
    )
    page.idle()
    page.shot("01-suggested")

    body = {
        "city": CITY,
        "model": "mclp",
        "rule_id": rule,
        "k": 2,
        "facility_type": NEW_TYPE,
        "candidates": "gaps",
        "time_limit_s": 30,
    }
    answer = httpx.post(
        f"{live_url}/api/v1/optimize",
        json=body,
        headers={"Authorization": f"Bearer {planner_token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    chosen = answer.json()["chosen"]
    assert len(chosen) == 2
    drawn = page.js(
        "() => window.fplan.map.queryRenderedFeatures({ layers: ['suggested-sites'] })"
        ".map((f) => [f.properties.name, f.properties.residents, ...f.geometry.coordinates])"
    )
    assert len(drawn) > 0
    # rendered coordinates are snapped to the tile grid: a few metres
    by_name = {name: (residents, Point(x, y)) for name, residents, x, y in drawn}
    assert set(by_name) == {f"{i + 1}. {site['name']}" for i, site in enumerate(chosen)}
    for i, site in enumerate(chosen):
        residents, where = by_name[f"{i + 1}. {site['name']}"]
        assert residents == site["residents"]
        assert where.distance(Point(site["lon"], site["lat"])) < 1e-4
    items = page.page.locator("#suggest-list li")
    assert items.count() == len(chosen)
    listed = items.evaluate_all("(els) => els.map((e) => Number(e.dataset.residents))")
    assert listed == [site["residents"] for site in chosen]
    summary = page.page.locator("#suggest-summary").inner_text()
    assert shown(answer.json()["gain"], 0) in summary

    # a suggestion added to the scenario is a proposed site with its quick diff
    items.nth(0).locator(".suggest-add").click()
    page.page.locator("#card tr.gained").wait_for(state="visible", timeout=5_000)
    page.page.wait_for_function(SCENARIO_DRAWN, timeout=SCENARIO_READY_TIMEOUT_MS)
    page.idle()
    page.shot("02-suggestion-added")
    assert page.js(RENDERED_SCRIPT, "proposed-sites") == 1
    assert page.js("window.fplan.scenario.sites[0].type") == NEW_TYPE
    assert items.nth(0).locator(".suggest-add").is_disabled()

    # asked again, the suggestion builds on the scenario: its site is no longer a gap
    page.page.evaluate("window.fplan.scenario.suggestions = null")
    page.page.click("#scenario-suggest")
    page.page.wait_for_function(
        "window.fplan.scenario.suggestions !== null", timeout=SCENARIO_READY_TIMEOUT_MS
    )
    page.idle()
    page.shot("03-suggested-on-scenario")
    scenario_id = page.js("window.fplan.scenario.id")
    on_scenario = httpx.post(
        f"{live_url}/api/v1/optimize",
        json={**body, "scenario_id": scenario_id},
        headers={"Authorization": f"Bearer {planner_token}"},
        timeout=60,
    )
    assert on_scenario.status_code == 200, on_scenario.text
    again = page.js("window.fplan.scenario.suggestions")
    assert [(c["lon"], c["lat"]) for c in again["chosen"]] == [
        (c["lon"], c["lat"]) for c in on_scenario.json()["chosen"]
    ]
    assert again["population_baseline"] == on_scenario.json()["population_baseline"]
    assert again["population_baseline"] > answer.json()["population_baseline"]
    assert page.errors == []


def test_the_coverage_area_layer_draws_the_chosen_norm(
    map_page: MapPageFactory, live_url: str
) -> None:
    rule, _ = spatial_rule_with_gaps(live_url)
    expected = get(live_url, "/coverage/areas", city=CITY, rule=rule)["features"]
    assert expected, "the norm's facilities reach nobody"
    page = map_page()
    page.open(city=CITY, rule=rule)
    assert page.js(RENDERED_SCRIPT, "areas-fill") == 0

    page.page.check('#layer-switcher input[data-layer="areas"]')
    page.page.locator('#areas-note[data-kind="ready"]').wait_for(timeout=SCENARIO_READY_TIMEOUT_MS)
    switch_off(page, "gaps", "facilities", "roads", "sites")
    page.shot("01-areas")
    assert page.js(RENDERED_SCRIPT, "areas-fill") > 0
    assert page.js("window.fplan.state.areas.features.length") == len(expected)
    legend = page.page.locator("#legend").inner_text()
    assert "覆盖范围（所选指标）" in legend

    # a click inside an area tells its threshold and the residents it covers
    area = max(expected, key=lambda f: shape(f["geometry"]).area)
    inside = shape(area["geometry"]).representative_point()
    page.click_at(inside.x, inside.y)
    card = page.page.locator("#card")
    card.wait_for(state="visible")
    page.shot("02-area-card")
    assert card.get_attribute("data-kind") == "area"
    props = area["properties"]
    covered = card.locator("tr.covered td").inner_text()
    assert covered.startswith(
        f"{shown(props['residents_covered'], 0)} / {shown(props['residents_counted'], 0)}"
    )
    assert f"{shown(props['threshold'])} 分钟" in card.locator("tr.threshold td").inner_text()
    assert page.errors == []


def test_bad_tokens_are_explained(
    map_page: MapPageFactory, live_url: str, map_settings: Settings
) -> None:
    rule, zones = spatial_rule_with_gaps(live_url)
    inside = shape(zones[0]["geometry"]).representative_point()
    page = map_page()
    page.open(city=CITY, rule=rule)
    page.page.click("#scenario-button")
    message = page.page.locator("#scenario-message")

    # without a token nothing is sent
    page.page.click("#scenario-place")
    assert message.inner_text() == "请先输入规划员令牌。"
    assert page.page.get_attribute("#scenario-place", "aria-pressed") == "false"

    page.page.fill("#scenario-token", "fpl_not-a-real-token")
    page.page.click("#scenario-place")
    page.click_at(inside.x, inside.y)
    page.page.wait_for_function(
        "document.getElementById('scenario-message').dataset.kind === 'error'"
    )
    assert message.inner_text() == "令牌无效或已撤销（401）：请检查令牌。"
    page.shot("01-unknown-token")

    viewer = issue_token(map_settings, "viewer", "map-viewer")
    page.page.fill("#scenario-token", viewer)
    page.click_at(inside.x, inside.y)
    page.page.wait_for_function(
        "document.getElementById('scenario-message').textContent.includes('403')"
    )
    assert message.inner_text() == "该令牌权限不足（403）：需要规划员或管理员令牌。"
    page.shot("02-viewer-token")
    assert page.js("window.fplan.scenario.id") is None
    # the browser reports the refused requests themselves; nothing else went wrong
    refused = [e for e in page.errors if "status of 401" in e or "status of 403" in e]
    assert len(refused) == 2
    assert page.errors == refused


def test_scenario_mode_in_a_narrow_window_in_english(
    map_page: MapPageFactory, live_url: str, planner_token: str
) -> None:
    rule, zones = spatial_rule_with_gaps(live_url)
    zone = max(zones, key=lambda z: z["properties"]["residents"])
    inside = shape(zone["geometry"]).representative_point()
    page = map_page(width=400, height=760)
    page.open(city=CITY, rule=rule, lang="en")
    page.page.click("#panel-toggle")
    open_scenario_mode(page, planner_token)
    assert page.page.locator("#scenario-title").text_content() == "Scenario mode"
    assert page.page.locator("#scenario-button").inner_text() == "Leave scenario mode"
    page.page.select_option("#scenario-type", NEW_TYPE)
    page.shot("01-narrow-panel")

    # placing closes the drawer, so the map can be clicked
    page.page.click("#scenario-place")
    page.page.wait_for_function(
        "document.getElementById('panel').getBoundingClientRect().right <= 0"
    )
    page.click_at(inside.x, inside.y)
    card = page.page.locator("#card")
    card.locator("tr.gained").wait_for(state="visible", timeout=5_000)
    page.page.wait_for_function(SCENARIO_DRAWN, timeout=SCENARIO_READY_TIMEOUT_MS)
    page.idle()
    page.shot("02-narrow-diff")
    assert card.locator("h3").inner_text() == "Proposed: Community health centre"
    box = card.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 400

    # the token is kept in the browser for the next visit
    page.page.reload()
    page.page.wait_for_function("window.fplan && window.fplan.state.ready === true")
    page.page.click("#panel-toggle")
    page.page.click("#scenario-button")
    assert page.page.input_value("#scenario-token") == planner_token
    assert page.errors == []
