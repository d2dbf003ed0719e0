"""What a planner reads and takes away from the map: the Chinese page has no English sentence,
the report opens from "打印报告", an export downloads, districts are shaded by their distance
from the target."""

from collections.abc import Callable

from app.settings import Settings
from tests._english import english_sentences
from tests.browser.conftest import CITY, MapPage, revoke
from tests.browser.test_map import spatial_rule_with_gaps
from tests.browser.test_scenario import issue_token, open_scenario_mode

MapPageFactory = Callable[..., MapPage]

UNPREPARED = "430400"  # Hengyang: has a plan, not prepared in the browser tests' database


def test_the_chinese_page_has_no_english_sentence(map_page: MapPageFactory) -> None:
    page = map_page()
    page.open(city=CITY)
    page.page.click("#legend-toggle") if page.page.locator("#legend-toggle").count() else None
    text = page.js("() => document.body.innerText")
    assert "打印报告" in text
    assert english_sentences(text) == []
    page.shot("zh-page")

    page.page.click("#lang-toggle")
    english = page.js("() => document.body.innerText")
    assert "Print report" in english
    assert english_sentences(english)
    assert page.errors == []


def test_the_report_opens_and_an_export_downloads(map_page: MapPageFactory) -> None:
    page = map_page()
    page.open(city=CITY)
    href = page.page.locator("#report-link").get_attribute("href")
    assert href == f"/api/v1/reports/{CITY}?format=html&lang=zh"
    with page.page.context.expect_page() as opened:
        page.page.click("#report-link")
    report = opened.value
    report.wait_for_load_state()
    assert "规划指标核查报告" in report.title()
    body = report.inner_text("body")
    assert english_sentences(body.split("解读")[0]) == []
    report.screenshot(path=str(page.shot("report-tab").with_name("ux-report.png")), full_page=False)
    report.close()

    with page.page.expect_download() as download:
        page.page.click('a.export-link[href*="format=xlsx"]')
    saved = download.value
    assert saved.suggested_filename == f"compliance-{CITY}.xlsx"
    path = saved.path()
    assert path is not None
    with open(path, "rb") as handle:
        assert handle.read(2) == b"PK"


def test_failing_districts_carry_their_distance_from_the_target(map_page: MapPageFactory) -> None:
    page = map_page()
    page.open(city=CITY)
    states = page.js(
        """() => window.fplan.map.queryRenderedFeatures({ layers: ['districts-fill'] })
          .filter((f) => f.state.status === 'fail').map((f) => f.state.gap)"""
    )
    legend = page.js("() => document.getElementById('legend').innerText")
    assert "达到目标" in legend
    assert "距目标 50% 以上" in legend
    assert all(0 <= gap <= 1 for gap in states)


# every state a planner reaches on the Chinese page: the rendered text has no English sentence
STATES_TIMEOUT_MS = 60_000


def _no_english(page: MapPage, state: str) -> None:
    text = page.js("() => document.body.innerText")
    page.shot(f"zh-{state}")
    assert english_sentences(text) == [], state


def test_no_english_sentence_in_any_state_of_the_chinese_page(
    map_page: MapPageFactory, live_url: str, map_settings: Settings, planner_token: str
) -> None:
    rule, _ = spatial_rule_with_gaps(live_url)
    page = map_page()
    page.open(city=CITY)
    _no_english(page, "01-city")

    page.page.select_option("#rule-select", rule)
    page.page.wait_for_function(
        "(rule) => window.fplan.state.ruleFacilities?.rule_id === rule", arg=rule
    )
    page.idle()
    _no_english(page, "02-rule")

    # a card: the district's verdict (or the zone's, where one lies under the label)
    label = page.js("() => window.fplan.state.units[0].label")
    page.click_at(*label)
    page.page.locator("#card").wait_for(state="visible")
    _no_english(page, "03-card")
    page.page.click("#card-close")

    open_scenario_mode(page, planner_token)
    _no_english(page, "04-scenario-panel")

    page.page.fill("#suggest-count", "1")
    page.page.click("#scenario-suggest")
    page.page.wait_for_function(
        "window.fplan.scenario.suggestions !== null", timeout=STATES_TIMEOUT_MS
    )
    page.idle()
    assert page.page.locator("#suggest-list li").count() == 1
    _no_english(page, "05-suggested")
    page.page.click("#scenario-button")

    page.page.select_option("#city-select", UNPREPARED)
    page.page.locator("#prepare-note").wait_for(state="visible")
    page.idle()
    _no_english(page, "06-unprepared")

    # an error shown to the planner: an admin token revoked before it is used
    admin = issue_token(map_settings, "admin", "ux-admin")
    page.page.fill("#prepare-token", admin)
    page.page.dispatch_event("#prepare-token", "change")
    page.page.locator("#prepare-button").wait_for(state="visible")
    revoke(map_settings, admin)
    page.page.click("#prepare-button")
    page.page.locator("#status[data-kind='error']").wait_for(state="visible")
    _no_english(page, "07-error")
