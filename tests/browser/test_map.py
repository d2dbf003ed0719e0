"""The map page in Chromium: it loads cleanly, draws every layer from our own tiles, recolours
the district when another norm is chosen, and shows the compliance and gap cards on a click.

Expected verdicts, figures and quotes are read from the service's own JSON API in each test.
"""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from shapely.geometry import shape

from tests._english import english_sentences
from tests.browser.conftest import CITY, MapPage

MapPageFactory = Callable[..., MapPage]

# a canvas pixel of the district's fill under a colour: the fill is drawn at 38 % over the
# background, so "reddish" and "greenish" are told apart by the larger channel
PIXEL_SCRIPT = """([lon, lat]) => {
  const map = window.fplan.map;
  const point = map.project([lon, lat]);
  const source = map.getCanvas();
  const ratio = source.width / source.clientWidth;
  const copy = document.createElement('canvas');
  copy.width = source.width;
  copy.height = source.height;
  const context = copy.getContext('2d');
  context.drawImage(source, 0, 0);
  return Array.from(context.getImageData(point.x * ratio, point.y * ratio, 1, 1).data);
}"""

RENDERED_SCRIPT = (
    """(layer) => window.fplan.map.queryRenderedFeatures({ layers: [layer] }).length"""
)

# the screen position of the first facility drawn
FACILITY_POINT_SCRIPT = """() => {
  const map = window.fplan.map;
  const [facility] = map.queryRenderedFeatures({ layers: ['facilities'] });
  return map.project(facility.geometry.coordinates);
}"""

STATE_SCRIPT = """(adcode) => window.fplan.map
  .queryRenderedFeatures({ layers: ['districts-fill'] })
  .filter((f) => f.properties.adcode === adcode)
  .map((f) => f.state.status)"""


def api(live_url: str, path: str, **params: str) -> Any:
    response = httpx.get(f"{live_url}/api/v1{path}", params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def verdicts(live_url: str) -> dict[str, dict[str, Any]]:
    """The city's own result row of every rule, by rule id."""
    report = api(live_url, "/compliance", city=CITY)
    return {r["rule_id"]: r for r in report["results"] if r["region_adcode"] == CITY}


def spatial_rule_with_gaps(live_url: str) -> tuple[str, list[dict[str, Any]]]:
    gaps = api(live_url, "/gaps", city=CITY)["features"]
    assert gaps, "the prepared city has no underserved zone to draw"
    rule = max(gaps, key=lambda f: f["properties"]["residents"])["properties"]["rule_id"]
    return rule, [f for f in gaps if f["properties"]["rule_id"] == rule]


def shown(value: float, digits: int = 2) -> str:
    """A number as the page writes it (toLocaleString, at most ``digits`` decimals)."""
    text = f"{round(value, digits):,.{digits}f}"
    return text.rstrip("0").rstrip(".") if digits else text


def shown_with_unit(value: float, unit: str) -> str:
    """A figure of the card: shares of residents as percentages with one decimal."""
    return f"{shown(value * 100, 1)} %" if unit.startswith("share") else shown(value)


def switch_off(page: MapPage, *layers: str) -> None:
    for layer in layers:
        page.page.uncheck(f'#layer-switcher input[data-layer="{layer}"]')
    page.idle()


def test_page_loads_and_draws_every_layer(map_page: MapPageFactory, live_url: str) -> None:
    rule, _ = spatial_rule_with_gaps(live_url)
    page = map_page()
    page.open(city=CITY, rule=rule)
    page.shot("01-loaded")

    counts = {layer: page.js(RENDERED_SCRIPT, layer) for layer in LAYERS}
    assert all(n > 0 for n in counts.values()), counts
    assert page.page.locator("#city-select").input_value() == CITY
    assert page.page.locator("#rule-select").input_value() == rule
    # the label of the one county-level unit is placed as HTML (no remote glyphs)
    assert page.page.locator(".district-label").all_inner_texts() == ["吉首市"]

    # a facility's popup says it is synthetic (every facility of the prepared Jishou is)
    point = page.js(FACILITY_POINT_SCRIPT)
    box = page.page.locator("#map").bounding_box()
    assert box is not None
    page.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    popup = page.page.locator(".maplibregl-popup .facility-popup")
    popup.wait_for(state="visible")
    page.shot("01b-facility-popup")
    assert "synthetic" in popup.inner_text()
    assert page.errors == []


LAYERS = ("roads", "districts-fill", "facilities", "gaps-fill")


def test_choosing_another_rule_recolours_the_district(
    map_page: MapPageFactory, live_url: str
) -> None:
    rows = verdicts(live_url)
    failing = next(rule for rule, row in rows.items() if row["passed"] is False)
    passing = next(rule for rule, row in rows.items() if row["passed"] is True)
    page = map_page()
    page.open(city=CITY, rule=failing)
    switch_off(page, "roads", "gaps", "facilities", "labels")
    label = page.js("() => window.fplan.state.units[0].label")
    before = page.js(PIXEL_SCRIPT, label)
    assert page.js(STATE_SCRIPT, CITY)[0] == "fail"
    page.shot("02-failing-rule")

    page.page.select_option("#rule-select", passing)
    page.idle()
    after = page.js(PIXEL_SCRIPT, label)
    page.shot("03-passing-rule")

    assert set(page.js(STATE_SCRIPT, CITY)) == {"pass"}
    red, green = 0, 1
    assert before[red] > before[green], before
    assert after[green] > after[red], after
    assert page.errors == []


def test_clicking_the_district_shows_its_compliance_card(
    map_page: MapPageFactory, live_url: str
) -> None:
    rows = verdicts(live_url)
    rule, row = next((r, row) for r, row in rows.items() if row["value"] is not None)
    page = map_page()
    page.open(city=CITY, rule=rule)
    switch_off(page, "facilities", "gaps")
    label = page.js("() => window.fplan.state.units[0].label")
    point = page.js("(p) => window.fplan.map.project(p)", label)
    box = page.page.locator("#map").bounding_box()
    assert box is not None
    page.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    card = page.page.locator("#card")
    card.wait_for(state="visible")
    page.shot("04-district-card")
    assert card.locator('[data-field="region"]').inner_text().startswith("吉首市")
    assert shown_with_unit(row["value"], row["unit"]) in card.locator("tr.value td").inner_text()
    assert shown_with_unit(row["target"], row["unit"]) in card.locator("tr.target td").inner_text()
    assert card.locator('[data-field="quote"]').inner_text() == row["citation"]["quote"]
    citation = card.locator('[data-field="citation"]').inner_text()
    # the plan is cited by its title and number, not by the name of its text file
    assert row["citation"]["document"] not in citation
    assert row["citation"]["lines"] in citation
    # what the verdict rests on: the plan by its title (and 文号 where printed), the reading
    assert row["citation"]["plan_title_zh"] in citation
    if row["citation"]["document_number"]:
        assert row["citation"]["document_number"] in citation
    reading = card.locator('[data-field="interpretation"]')
    assert reading.count() == (1 if row["interpretation"] else 0)
    if row["interpretation"]:
        assert row["interpretation"] in reading.text_content()
    if row["year"] is not None:
        assert str(row["year"]) in card.locator("tr.year td").inner_text()
    assert page.errors == []


def test_clicking_a_gap_shows_its_residents(map_page: MapPageFactory, live_url: str) -> None:
    rule, zones = spatial_rule_with_gaps(live_url)
    zone = max(zones, key=lambda f: shape(f["geometry"]).area)
    inside = shape(zone["geometry"]).representative_point()
    page = map_page()
    page.open(city=CITY, rule=rule)
    switch_off(page, "facilities", "roads")
    point = page.js("(p) => window.fplan.map.project(p)", [inside.x, inside.y])
    box = page.page.locator("#map").bounding_box()
    assert box is not None
    page.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    card = page.page.locator("#card")
    card.wait_for(state="visible")
    page.shot("05-gap-card")
    assert card.get_attribute("data-kind") == "gap"
    residents = card.locator('[data-field="residents"]').inner_text()
    assert shown(zone["properties"]["residents"], 0) in residents
    assert page.errors == []


def test_english_labels_and_a_narrow_window(map_page: MapPageFactory, live_url: str) -> None:
    rows = verdicts(live_url)
    rule = next(iter(rows))
    catalogue = api(live_url, "/norms", city=CITY)["catalogues"][0]
    title_en = next(r["title_en"] for r in catalogue["rules"] if r["id"] == rule)
    page = map_page(width=400, height=760)
    page.open(city=CITY, rule=rule, lang="en")
    # the panel is a drawer pushed off the left edge until the menu button opens it
    box = page.page.locator("#panel").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 0, box
    page.shot("06-narrow-en")

    page.page.click("#panel-toggle")
    page.page.wait_for_function(
        "document.getElementById('panel').getBoundingClientRect().left >= 0"
    )
    assert page.page.locator("h1").inner_text() == "Health facility planning map"
    selected = page.page.locator("#rule-select option:checked").inner_text()
    assert selected == title_en
    page.shot("07-narrow-panel-open")

    page.page.click("#lang-toggle")
    assert page.page.locator("h1").inner_text() == "卫生设施规划地图"
    assert page.errors == []


def test_page_files_and_the_missing_library_hint(
    live_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    page = httpx.get(f"{live_url}/")
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    module = httpx.get(f"{live_url}/static/js/main.js")
    assert module.headers["content-type"].startswith("text/javascript")
    library = httpx.get(f"{live_url}/vendor/maplibre-gl/maplibre-gl.mjs")
    assert library.status_code == 200
    assert library.headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{live_url}/vendor/maplibre-gl/package.json").status_code == 404

    # without node_modules the API still answers and the library route names the fix
    monkeypatch.setattr("app.api.routes.page.MAPLIBRE_DIST", tmp_path / "absent")
    missing = httpx.get(f"{live_url}/vendor/maplibre-gl/maplibre-gl.mjs")
    assert missing.status_code == 404
    # Chinese by default, the commands as they are typed
    said = missing.json()["error"]["message"]
    assert said == "未安装地图组件：请运行 make run"
    assert english_sentences(said) == []
    assert httpx.get(f"{live_url}/api/v1/health").status_code == 200
