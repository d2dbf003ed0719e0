"""What a planner reads and takes away from the map: the Chinese page has no English sentence,
the report opens from "打印报告", an export downloads, districts are shaded by their distance
from the target."""

import re
from collections.abc import Callable

from tests.browser.conftest import CITY, MapPage

MapPageFactory = Callable[..., MapPage]

# Latin words a Chinese page may show: proper names of formats and tools, the language switch
# and the command a planner types
ALLOWED = re.compile(
    r"fplan demo --city \d+|GeoPackage|GeoJSON|QGIS|Excel|CSV|PDF|OpenStreetMap|MapLibre|EN|"
    r"\b[A-Z]{1,4}\d*\b|L\d+(-\d+)?|km²?|\d"
)
# three Latin words in a row (after the allowed ones are removed) make an English sentence
SENTENCE = re.compile(r"[A-Za-z][a-z'’-]+(?:[\s,;:]+[A-Za-z][a-z'’-]+){2,}")


def english_sentences(text: str) -> list[str]:
    return SENTENCE.findall(ALLOWED.sub(" ", text))


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
