"""The map shows what matters, in Chromium: the chosen norm's facilities in full and the rest
faint, real ones above synthetic; an unprepared city says what to do and offers admins to
prepare it; the report and the exports follow the open scenario; coverage areas, zones and fills
read together.

The facilities a norm counts are read from the service's API (as its evaluator selects them);
the drawn ones are read back from the map (feature states and the paint they were drawn with).
"""

import re
from collections.abc import Callable
from typing import Any

import httpx

from app.settings import Settings
from tests._english import english_sentences
from tests.browser.conftest import CITY, REAL_HOSPITAL, MapPage, revoke
from tests.browser.test_scenario import issue_token, open_scenario_mode

MapPageFactory = Callable[..., MapPage]

# public tertiary general hospitals: the imported real one counts, most facilities do not
HOSPITAL_RULE = "jishou.peoples_hospital_grade_iii"
# physicians per 1,000 residents: every facility's staff counts
EVERY_RULE = "jishou.physicians_per_1000"
UNPREPARED = "430400"  # Hengyang: has a plan, not prepared in the browser tests' database
FAINT_OPACITY = 0.2

DRAWN_FACILITIES = """() => window.fplan.map
  .queryRenderedFeatures({ layers: ['facilities', 'facilities-real'] })
  .map((f) => ({
    id: f.id,
    layer: f.layer.id,
    type: f.properties.type,
    name: f.properties.name,
    counts: Boolean(f.state.counts),
    synthetic: Boolean(f.properties.synthetic),
    opacity: f.layer.paint['circle-opacity'],
    stroke: f.layer.paint['circle-stroke-opacity'],
    radius: f.layer.paint['circle-radius'],
  }))"""
LAYER_ORDER = "() => window.fplan.map.getStyle().layers.map((layer) => layer.id)"


def counted(live_url: str, rule: str) -> dict[str, Any]:
    response = httpx.get(
        f"{live_url}/api/v1/norms/{rule}/facilities", params={"city": CITY}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def choose_rule(page: MapPage, rule: str) -> None:
    page.page.select_option("#rule-select", rule)
    page.page.wait_for_function(
        "(rule) => window.fplan.state.ruleFacilities?.rule_id === rule", arg=rule
    )
    page.idle()


def drawn(page: MapPage) -> dict[int, dict[str, Any]]:
    """The facilities drawn, by id (a facility cut by tile edges is listed once)."""
    return {f["id"]: f for f in page.js(DRAWN_FACILITIES)}


def legend_entry(page: MapPage, entry: str) -> str:
    return page.page.locator(f'#legend [data-legend="{entry}"]').inner_text().strip()


def test_the_chosen_norms_facilities_are_drawn_in_full_and_real_ones_on_top(
    map_page: MapPageFactory, live_url: str
) -> None:
    answer = counted(live_url, HOSPITAL_RULE)
    page = map_page()
    page.open(city=CITY)
    choose_rule(page, HOSPITAL_RULE)
    page.shot("01-hospital-rule")

    facilities = drawn(page)
    assert {i for i, f in facilities.items() if f["counts"]} == set(answer["facility_ids"])
    real = [f for f in facilities.values() if not f["synthetic"]]
    assert [f["layer"] for f in real] == ["facilities-real"]
    assert real[0]["name"] == REAL_HOSPITAL["name"]
    assert real[0]["counts"] is True
    assert {f["layer"] for f in facilities.values() if f["synthetic"]} == {"facilities"}
    # counted: drawn in full; the rest faint and smaller
    for facility in facilities.values():
        if facility["counts"]:
            assert facility["opacity"] == facility["stroke"] == 1, facility
        else:
            assert facility["opacity"] == facility["stroke"] == FAINT_OPACITY, facility
    hospitals = [f for f in facilities.values() if f["type"] == "general_hospital"]
    synthetic_counted = [f["radius"] for f in hospitals if f["synthetic"] and f["counts"]]
    faint = [f["radius"] for f in hospitals if not f["counts"]]
    assert synthetic_counted
    assert all(real[0]["radius"] > r for r in synthetic_counted + faint)
    assert all(f < r for f in faint for r in synthetic_counted)
    # real facilities are drawn above synthetic ones
    order = page.js(LAYER_ORDER)
    assert order.index("facilities-real") > order.index("facilities")

    # the legend names them with their numbers
    tally_synthetic = answer["counted"]["synthetic"] + answer["others"]["synthetic"]
    assert legend_entry(page, "real") == "真实（1 个）"
    assert legend_entry(page, "synthetic") == f"合成（{tally_synthetic:,} 个，空心）"
    n_counted = len(answer["facility_ids"])
    assert legend_entry(page, "counted") == f"计入所选指标（{n_counted} 个）"
    assert legend_entry(page, "note") == "计入类型：综合医院"

    # the others' switch hides them; the counted stay
    page.page.uncheck('#layer-switcher input[data-layer="others"]')
    page.idle()
    hidden = drawn(page)
    assert all(f["opacity"] == 0 for f in hidden.values() if not f["counts"])
    assert all(f["opacity"] == 1 for f in hidden.values() if f["counts"])
    page.shot("02-others-hidden")
    page.page.check('#layer-switcher input[data-layer="others"]')

    # a norm over every facility draws every one in full
    choose_rule(page, EVERY_RULE)
    assert all(f["opacity"] == 1 for f in drawn(page).values())
    assert legend_entry(page, "note") == "所选指标计入全部机构。"
    assert page.errors == []


def test_an_unprepared_city_says_what_to_do_and_admins_may_prepare_it(
    map_page: MapPageFactory, map_settings: Settings, planner_token: str
) -> None:
    page = map_page()
    page.open(city=UNPREPARED)
    note = page.page.locator("#prepare-note")
    note.wait_for(state="visible")
    text = note.inner_text()
    assert "衡阳市尚未准备数据" in text
    assert f"fplan demo --city {UNPREPARED}" in text
    assert english_sentences(text) == []
    assert page.page.locator("#prepare-button").count() == 0
    assert page.page.locator("#prepare-token").count() == 1
    assert "（未准备）" in page.page.locator("#city-select option:checked").inner_text()
    assert page.page.locator("#status").inner_text() == "衡阳市尚未准备数据：见左侧说明。"
    # nothing to report or export yet
    assert page.page.locator("#exports a").count() == 0
    page.shot("03-unprepared")

    # a planner's token: still no action
    planner = map_page()
    planner.page.add_init_script(f"localStorage.setItem('fplan.token', '{planner_token}')")
    planner.open(city=UNPREPARED)
    assert planner.page.locator("#prepare-note").is_visible()
    assert planner.page.locator("#prepare-button").count() == 0

    # an admin's token entered in the note: the action appears
    admin = issue_token(map_settings, "admin", "map-admin")
    page.page.fill("#prepare-token", admin)
    page.page.dispatch_event("#prepare-token", "change")
    button = page.page.locator("#prepare-button")
    button.wait_for(state="visible")
    assert button.inner_text().strip() == "准备数据"
    page.shot("04-unprepared-admin")

    # in English
    page.page.click("#lang-toggle")
    english = note.text_content() or ""
    assert "Hengyang is not prepared yet" in english
    assert button.inner_text().strip() == "Prepare data"
    page.page.click("#lang-toggle")

    # the token is revoked meanwhile: the service's refusal is shown, in Chinese
    revoke(map_settings, admin)
    page.page.click("#prepare-button")
    progress = page.page.locator("#prepare-progress[data-kind='error']")
    progress.wait_for(state="visible")
    message = progress.inner_text()
    assert "已于" in message
    assert "撤销" in message
    assert english_sentences(message) == []
    assert page.page.locator("#status").inner_text() == message
    page.shot("05-prepare-refused")
    assert page.errors == [] or all("401" in e for e in page.errors)


def test_the_report_and_exports_follow_the_open_scenario(
    map_page: MapPageFactory, planner_token: str
) -> None:
    page = map_page()
    page.open(city=CITY)
    baseline = page.page.locator("#report-link").get_attribute("href")
    assert baseline == f"/api/v1/reports/{CITY}?format=html&lang=zh"
    assert page.page.locator("#exports-scope").inner_text() == "导出与报告对应现状登记"

    open_scenario_mode(page, planner_token)
    page.page.fill("#scenario-name", "导出测试")
    page.page.click("#scenario-save")
    page.page.wait_for_function("window.fplan.scenario.saved !== null")
    scenario = page.js("() => window.fplan.scenario.id")
    hrefs = page.page.locator("#exports a").evaluate_all("(links) => links.map((a) => a.href)")
    assert len(hrefs) == 6
    assert all(f"scenario={scenario}" in href for href in hrefs), hrefs
    assert page.page.locator("#exports-scope").inner_text() == "导出与报告对应情景「导出测试」"
    page.shot("06-exports-scenario")

    # the scenario's files open with the planner's token: its report and an export
    with page.page.context.expect_page() as opened:
        page.page.click("#report-link")
    report = opened.value
    report.wait_for_url(re.compile(r"^blob:"))
    report.wait_for_load_state()
    assert f"情景 {scenario}" in report.inner_text("body")
    report.close()
    with page.page.expect_download() as download:
        page.page.click('a.export-link[href*="format=csv"]')
    assert download.value.suggested_filename.endswith(".csv")
    assert f"scenario-{scenario}" in download.value.suggested_filename

    # renamed: the scope follows; closed: back to the register
    page.page.fill("#scenario-name", "导出测试二")
    page.page.click("#scenario-save")
    page.page.wait_for_function(
        "() => document.getElementById('exports-scope').textContent.includes('导出测试二')"
    )
    page.page.click("#scenario-button")
    page.page.wait_for_function(
        "() => !document.getElementById('report-link').href.includes('scenario')"
    )
    assert page.page.locator("#report-link").get_attribute("href") == baseline
    assert page.errors == []


def test_coverage_areas_zones_and_fills_read_together(
    map_page: MapPageFactory, live_url: str
) -> None:
    page = map_page()
    page.open(city=CITY, rule="jishou.rural_care_circle_30min")
    page.page.check('#layer-switcher input[data-layer="areas"]')
    page.page.wait_for_function("window.fplan.state.areas.features.length > 0")
    page.idle()
    page.shot("07-areas-gaps")
    order = page.js(LAYER_ORDER)
    # fills beneath, then the hatching, then the zones, then the outlines
    assert order.index("districts-fill") < order.index("areas-fill") < order.index("gaps-fill")
    assert order.index("gaps-fill") < order.index("areas-line")
    paint = page.js(
        """() => ({
          hatch: window.fplan.map.getPaintProperty('areas-fill', 'fill-opacity'),
          outline: window.fplan.map.getPaintProperty('areas-line', 'line-opacity'),
          gaps: window.fplan.map.getPaintProperty('gaps-fill', 'fill-opacity'),
        })"""
    )
    # opaque thin lines: overlapping areas draw the same pixels, never a darker stack
    assert paint["hatch"] == 1
    assert paint["outline"] >= 0.8
    assert paint["gaps"] < 1
    # the hatching is thin lines on a transparent tile: the fill beneath shows through
    coverage = page.js(
        """() => {
          const image = window.fplan.map.getImage('hatch-rural').data;
          let inked = 0;
          for (let i = 3; i < image.data.length; i += 4) if (image.data[i] > 0) inked += 1;
          return inked / (image.width * image.height);
        }"""
    )
    assert 0 < coverage <= 0.15
    assert page.errors == []
