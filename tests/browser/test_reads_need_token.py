"""The map on a service that requires a token for reads (``APP_AUTH_REQUIRED_FOR_READS=true``).

The page keeps the planner's token from an earlier visit; its reads and the map's own tile
requests must carry it, or the map stays empty. A second live server on the same prepared
database has the setting on.
"""

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser

from app.main import create_app
from app.settings import Settings
from tests.browser.conftest import CITY, SERVER_START_TIMEOUT_S, MapPage, _free_port

RENDERED_SCRIPT = (
    """(layer) => window.fplan.map.queryRenderedFeatures({ layers: [layer] }).length"""
)


@pytest.fixture(scope="module")
def closed_url(map_settings: Settings) -> Iterator[str]:
    """The app with reads for token holders only, served on a free loopback port."""
    settings = map_settings.model_copy(update={"auth_required_for_reads": True})
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="fplan-closed-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the live server stopped while starting"
        assert time.monotonic() < deadline, "the live server did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_the_map_sends_its_token_for_reads_and_tiles(
    browser: Browser, closed_url: str, planner_token: str
) -> None:
    # without a token the service refuses the reads the map needs
    assert httpx.get(f"{closed_url}/api/v1/regions", params={"city": CITY}).status_code == 401
    tile = httpx.get(f"{closed_url}/api/v1/tiles/regions/8/208/108.pbf")
    assert tile.status_code == 401

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        # the token kept by an earlier visit (the scenario panel stores it there)
        page.add_init_script(f"window.localStorage.setItem('fplan.token', '{planner_token}')")
        tab = MapPage(page, closed_url, "reads-need-token")
        tab.open(city=CITY)
        tab.shot("01-loaded")
        counts = {layer: tab.js(RENDERED_SCRIPT, layer) for layer in ("roads", "facilities")}
        assert all(n > 0 for n in counts.values()), counts
        assert page.locator(".district-label").all_inner_texts() == ["吉首市"]
        # the 401 of the first tokenless read is the browser's own console line; nothing else
        assert [e for e in tab.errors if "401" not in e] == []
    finally:
        page.close()
