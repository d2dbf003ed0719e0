"""``/docs`` in a real browser with every request off the app's own host refused: Swagger UI
comes from the app (npm's swagger-ui-dist), and the schema documents facility types, datums,
languages and the error body."""

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Route

from tests.browser.conftest import MapPage

MapPageFactory = Callable[..., MapPage]


def test_docs_render_with_no_network(map_page: MapPageFactory, live_url: str) -> None:
    tab = map_page()
    refused: list[str] = []

    def only_the_app(route: Route) -> None:
        if route.request.url.startswith(live_url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    tab.page.route("**/*", only_the_app)
    tab.page.goto(f"{live_url}/docs")
    tab.page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    tab.page.wait_for_selector('[data-path="/api/v1/compliance"]', timeout=30_000)
    text = tab.page.inner_text("body")
    assert "机构类型 Facility types" in text
    assert "general_hospital" in text
    assert "综合医院" in text
    assert re.search(r"wgs84.*gcj02.*bd09", text)
    assert refused == []
    assert tab.errors == []
    tab.shot("docs")


def test_docs_files_come_from_the_app(live_url: str) -> None:
    page = httpx.get(f"{live_url}/docs")
    assert page.status_code == 200
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert not re.search(r"https?://(?!127\.0\.0\.1)", page.text)
    bundle = httpx.get(f"{live_url}/vendor/swagger-ui/swagger-ui-bundle.js")
    assert (bundle.status_code, bundle.headers["content-type"].split(";")[0]) == (
        200,
        "text/javascript",
    )
    missing = httpx.get(f"{live_url}/vendor/swagger-ui/../../pyproject.toml")
    assert missing.status_code == 404
