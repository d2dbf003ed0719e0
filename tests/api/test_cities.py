"""``/cities``: which plan cities are prepared, preparing one in the background (admins only), and
``/norms/{rule}/facilities``: the facilities a norm counts, as its evaluator selects them.

The app runs on a committed database of its own (the preparation is a background job with its
own session), empty but migrated: the job loads the reference data, builds Jishou's network,
residents and facilities, and stores its compliance run, as ``fplan demo --city`` does.
"""

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db.migrate import upgrade_database
from app.db.models import Facility, Region
from app.main import create_app
from app.schemas.token import TokenCreate
from app.services import auth
from app.settings import Settings
from tests.conftest import drop_database, recreate_database

CITY = "433101"  # Jishou: one county-level unit, quick to prepare
NO_PLAN = "430200"  # Zhuzhou: in the register, without a plan
# a small synthetic network keeps the preparation quick (fplan demo --nodes)
NODES = 4000
# a failure guard for the polling loop, not a speed requirement
PREPARE_DEADLINE_S = 900
POLL_S = 1.0


class Cities:
    """The app on its own database, with a token per role."""

    def __init__(self, client: TestClient, url: str, tokens: dict[str, str]) -> None:
        self.client = client
        self.url = url
        self.tokens = tokens

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def city(self, adcode: str, **headers: str) -> dict[str, Any]:
        response = self.client.get("/api/v1/cities", headers=headers)
        assert response.status_code == 200, response.text
        return next(c for c in response.json()["cities"] if c["adcode"] == adcode)


@pytest.fixture(scope="module")
def cities(settings: Settings) -> Iterator[Cities]:
    base = make_url(settings.database_url)
    url = base.set(database=f"{base.database}_cities").render_as_string(hide_password=False)
    recreate_database(url)
    upgrade_database(url)
    engine = create_engine(url)
    tokens = {}
    with Session(engine) as session:
        for role in ("planner", "admin"):
            issued = auth.create_token(session, TokenCreate(name=f"cities-{role}", role=role))
            tokens[role] = issued.secret
        session.commit()
    engine.dispose()
    app = create_app(settings.model_copy(update={"database_url": url}))
    with TestClient(app) as client:
        yield Cities(client, url, tokens)
    drop_database(url)


@pytest.fixture(scope="module")
def prepared(cities: Cities) -> dict[str, Any]:
    """Prepare Jishou through the API: 202, a second start refused while it runs, then polls."""
    path = f"/api/v1/cities/{CITY}/prepare"
    started = cities.client.post(path, json={"nodes": NODES}, headers=cities.headers("admin"))
    assert started.status_code == 202, started.text
    assert started.headers["Location"] == path
    job = started.json()
    assert job["state"] == "running"
    assert job["steps_total"] == 5

    again = cities.client.post(path, headers=cities.headers("admin"))
    assert again.status_code == 409, again.text
    assert "正在准备中" in again.json()["error"]["message"]

    seen: set[str] = set()
    deadline = time.monotonic() + PREPARE_DEADLINE_S
    while job["state"] == "running":
        assert time.monotonic() < deadline, f"the preparation is still running: {job}"
        time.sleep(POLL_S)
        polled = cities.client.get(path)
        assert polled.status_code == 200, polled.text
        job = polled.json()
        if job["step_text"]:
            seen.add(job["step_text"])
    return {"job": job, "steps_seen": seen}


def test_an_unprepared_city_is_listed_with_its_command(cities: Cities) -> None:
    anonymous = cities.client.get("/api/v1/cities").json()
    assert anonymous["can_prepare"] is False
    city = next(c for c in anonymous["cities"] if c["adcode"] == CITY)
    assert city == {
        "adcode": CITY,
        "name_zh": "吉首市",
        "name_en": "Jishou",
        "prepared": False,
        "prepare_command": f"fplan demo --city {CITY}",
        "job": None,
    }
    listed = cities.client.get("/api/v1/cities", headers=cities.headers("admin")).json()
    assert listed["can_prepare"] is True
    planner = cities.client.get("/api/v1/cities", headers=cities.headers("planner")).json()
    assert planner["can_prepare"] is False


def test_only_an_admin_may_prepare_a_city_with_a_plan(cities: Cities) -> None:
    path = f"/api/v1/cities/{CITY}/prepare"
    assert cities.client.post(path).status_code == 401
    refused = cities.client.post(path, headers=cities.headers("planner"))
    assert refused.status_code == 403
    assert "此操作需要管理员" in refused.json()["error"]["message"]
    english = cities.client.post(
        path, headers=cities.headers("planner", **{"Accept-Language": "en"})
    )
    assert "this needs admin" in english.json()["error"]["message"]

    no_plan = cities.client.post(
        f"/api/v1/cities/{NO_PLAN}/prepare", headers=cities.headers("admin")
    )
    assert no_plan.status_code == 404
    assert no_plan.json()["error"]["details"][0]["field"] == "city"
    bad = cities.client.post(
        f"/api/v1/cities/{CITY}/prepare", json={"nodes": 3}, headers=cities.headers("admin")
    )
    assert bad.status_code == 422
    assert "nodes" in bad.text
    never = cities.client.get(f"/api/v1/cities/{NO_PLAN}/prepare")
    assert never.status_code == 404
    assert "尚未开始准备" in never.json()["error"]["message"]


def test_a_city_is_prepared_in_the_background(cities: Cities, prepared: dict[str, Any]) -> None:
    job = prepared["job"]
    assert job["state"] == "done", job
    assert job["steps_done"] == job["steps_total"] == 5
    assert job["message"] is None
    assert job["finished_at"] is not None
    # every step it went through was worded in Chinese; the last is the compliance run
    assert prepared["steps_seen"] <= {
        "载入湖南参考数据（行政区划与人口普查）",
        "生成路网",
        "构建人口分布",
        "按规划清单布设合成机构",
        "核算规划指标",
    }
    assert job["step_text"] == "核算规划指标"
    english = cities.client.get(f"/api/v1/cities/{CITY}/prepare", params={"lang": "en"}).json()
    assert english["step_text"] == "checking the plan's norms"

    city = cities.city(CITY)
    assert city["prepared"] is True
    assert city["job"]["state"] == "done"
    # the run is stored: the map opens the city at once
    report = cities.client.get("/api/v1/compliance", params={"city": CITY})
    assert report.status_code == 200, report.text
    assert report.json()["results"]

    again = cities.client.post(f"/api/v1/cities/{CITY}/prepare", headers=cities.headers("admin"))
    assert again.status_code == 409
    assert again.json()["error"]["message"] == f"城市 {CITY} 已准备好，无需再次准备"


def _facilities(url: str) -> list[Facility]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(Facility)
                    .join(Region, Region.adcode == Facility.region_adcode)
                    .where((Region.city_adcode == CITY) | (Region.adcode == CITY))
                )
            )
    finally:
        engine.dispose()


def _counted(cities: Cities, rule: str) -> dict[str, Any]:
    response = cities.client.get(f"/api/v1/norms/{rule}/facilities", params={"city": CITY})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.usefixtures("prepared")
def test_a_norm_counts_the_facilities_its_evaluator_selects(cities: Cities) -> None:
    facilities = _facilities(cities.url)
    assert facilities
    every = {f.id for f in facilities}
    synthetic = {f.id for f in facilities if f.source == "synthetic"}

    clinics = _counted(cities, "jishou.village_clinic_radius")
    assert clinics["facility_types"] == ["village_clinic"]
    assert clinics["every_facility"] is False
    expected = {f.id for f in facilities if f.type == "village_clinic"}
    assert expected
    assert set(clinics["facility_ids"]) == expected
    assert clinics["counted"] == {
        "real": len(expected - synthetic),
        "synthetic": len(expected & synthetic),
    }
    assert clinics["others"] == {
        "real": len(every - expected - synthetic),
        "synthetic": len((every - expected) & synthetic),
    }

    # a grade and an owner: public tertiary general hospitals (an unknown owner counts as public)
    hospitals = _counted(cities, "jishou.peoples_hospital_grade_iii")
    tertiary = {
        f.id
        for f in facilities
        if f.type == "general_hospital"
        and f.grade == "tertiary"
        and (f.ownership or "public") == "public"
    }
    assert set(hospitals["facility_ids"]) == tertiary
    assert hospitals["facility_types"] == ["general_hospital"]

    # a ratio over every facility, and a rule the register cannot evaluate
    physicians = _counted(cities, "jishou.physicians_per_1000")
    assert physicians["every_facility"] is True
    assert set(physicians["facility_ids"]) == every
    gap = _counted(cities, "jishou.tcm_physicians_per_1000")
    assert gap["facility_ids"] == []
    assert gap["facility_types"] == []

    missing = cities.client.get("/api/v1/norms/jishou.nothing/facilities", params={"city": CITY})
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == f"城市 {CITY} 的规划中没有指标 jishou.nothing"
    assert missing.json()["error"]["details"][0]["field"] == "rule_id"
