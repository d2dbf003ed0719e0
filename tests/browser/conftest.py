"""The map page in a real browser: Debian's Chromium driven by Playwright against a live server.

A dedicated database is created for the run, Jishou (small and quick) is prepared in it with the
services (reference data, a synthetic network, the population surface, facilities, one real
hospital of an imported register, one compliance run) and committed, the app is served by
uvicorn in a thread on a free loopback port, and every test opens the page in a fresh browser
tab. Scenario tests write scenarios of their own (the register is never changed). A planner
token is issued for them. Screenshots go to ``test-artifacts/map``.
"""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.api.routes.page import MAPLIBRE_DIST
from app.db.local import ensure_local_database
from app.db.migrate import upgrade_database
from app.db.models import Facility
from app.db.session import create_db_engine
from app.main import create_app
from app.schemas.token import TokenCreate
from app.services import auth
from app.services.compliance import run_compliance
from app.services.demo import prepare_city
from app.services.norms import load_norms
from app.services.reference import load_hunan
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import drop_database, recreate_database

CITY = "433101"  # Jishou: one county-level unit, 0.4 M residents
# one facility of a register imported from a file (not generated): the map draws real ones on top
REAL_HOSPITAL = {
    "name": "登记综合医院（测试）",
    "type": "general_hospital",
    "grade": "tertiary",
    "ownership": "public",
    "source": "jishou-register.csv",
    "lon": 109.735,
    "lat": 28.312,
}
CHROMIUM = Path("/usr/bin/chromium")
# headless Debian Chromium draws WebGL through SwiftShader; nothing may reach the network
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "map"
SERVER_START_TIMEOUT_S = 30
PAGE_READY_TIMEOUT_MS = 45_000


@pytest.fixture(scope="session")
def map_settings(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A committed database holding a prepared Jishou, dropped at the end of the run."""
    base = Settings()
    ensure_local_database(base.database_url)
    name = f"{make_url(base.database_url).database or 'fplan'}_browser_{os.getpid()}"
    url = make_url(base.database_url).set(database=name).render_as_string(hide_password=False)
    recreate_database(url)
    upgrade_database(url)
    settings = Settings(
        database_url=url,
        data_dir=shared_dir / "data",
        plans_dir=shared_dir / "plans",
        cache_dir=tmp_path_factory.mktemp("browser-cache"),
    )
    engine = create_db_engine(settings)
    try:
        with Session(engine) as session:
            load_hunan(session, settings.require_data_dir())
            session.commit()
            prepare_city(session, settings, CITY, target_nodes=4000, cell_size_m=1000)
            session.commit()
            real = {k: v for k, v in REAL_HOSPITAL.items() if k not in ("lon", "lat")}
            point = f"SRID=4326;POINT({REAL_HOSPITAL['lon']} {REAL_HOSPITAL['lat']})"
            session.add(Facility(**real, region_adcode=CITY, geom=point))
            session.commit()
            # the run the page asks for is then stored: the page does not wait for it
            run_compliance(session, settings, CITY, norms=load_norms(settings))
            session.commit()
    finally:
        engine.dispose()
    yield settings
    drop_database(url)


def revoke(settings: Settings, secret: str) -> None:
    """Revoke the token whose secret is ``secret`` (as an admin would, meanwhile)."""
    engine = create_db_engine(settings)
    try:
        with Session(engine) as session:
            principal = auth.authenticate(session, secret)
            auth.revoke_token(session, principal.token_id)
            session.commit()
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def planner_token(map_settings: Settings) -> str:
    """The secret of a planner's API token in the map's database."""
    engine = create_db_engine(map_settings)
    try:
        with Session(engine) as session:
            issued = auth.create_token(session, TokenCreate(name="map-planner", role="planner"))
            session.commit()
    finally:
        engine.dispose()
    return issued.secret


@pytest.fixture(scope="session")
def live_url(map_settings: Settings) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(map_settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="fplan-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while not server.started:
        assert thread.is_alive(), "the live server stopped while starting"
        assert time.monotonic() < deadline, "the live server did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Chromium is missing: `make test` installs Debian's chromium"
    assert MAPLIBRE_DIST.is_dir(), "MapLibre is missing: `make test` runs `npm ci`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        launched.close()


class MapPage:
    """A browser tab on the map page, recording console errors and saving screenshots."""

    def __init__(self, page: Page, base_url: str, prefix: str) -> None:
        self.page = page
        self.base_url = base_url
        self.prefix = prefix
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text}")

    def open(self, **query: str) -> None:
        """Load the page and wait until its data are in and the map has drawn them."""
        params = "&".join(f"{key}={value}" for key, value in query.items())
        self.page.goto(f"{self.base_url}/?{params}")
        self.page.wait_for_function(
            "window.fplan && window.fplan.state.ready === true", timeout=PAGE_READY_TIMEOUT_MS
        )
        self.idle()

    def idle(self) -> None:
        self.page.evaluate("window.fplan.whenIdle()")

    def js(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def click_at(self, lon: float, lat: float) -> None:
        """Click the map where (lon, lat) is drawn, as a user would."""
        point = self.js("(p) => window.fplan.map.project(p)", [lon, lat])
        box = self.page.locator("#map").bounding_box()
        assert box is not None
        self.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.prefix}-{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def map_page(
    browser: Browser, live_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., MapPage]]:
    """Open tabs with ``map_page(width=…, height=…)``; each is closed after the test."""
    pages: list[Page] = []

    def open_tab(*, width: int = 1280, height: int = 800) -> MapPage:
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        return MapPage(page, live_url, request.node.name.removeprefix("test_"))

    yield open_tab
    for page in pages:
        page.close()
