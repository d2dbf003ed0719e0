"""Cached answers: the bounded cache itself, and the live server's answers across writes.

The server runs in its own process on a committed database (``served``), so its cache follows the
database's data version as in service: an API write through it, and a write by another process
(here, this test process on its own engine, as the CLI would), must both reach the next read.
"""

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest
from geoalchemy2 import WKTElement
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from app.db.models import Facility
from app.runtime._lru import ENTRY_OVERHEAD_BYTES
from app.runtime.answers import Answer, AnswerCache, DataVersionWatcher
from tests.api.conftest import Served
from tests.fixtures.compliance_city import CITY

COVERAGE = f"/api/v1/coverage?city={CITY}&facility_type=village_clinic&minutes=15"
WAIT_S = 10.0


class FixedVersion(DataVersionWatcher):
    """A watcher that is told its version (no database), for the cache's own tests."""

    def __init__(self, version: int | None) -> None:
        self._fixed = version

    @property
    def version(self) -> int | None:
        return self._fixed


def answer(text: str) -> Answer:
    return Answer(text.encode(), "text/plain")


def test_the_cache_is_bounded_in_entries_and_bytes() -> None:
    # each entry costs its body and the overhead of an entry
    cache = AnswerCache(FixedVersion(1), max_entries=2, max_bytes=10 + 2 * ENTRY_OVERHEAD_BYTES)
    cache.put("a", 1, answer("aaaa"))
    cache.put("b", 1, answer("bbbb"))
    assert cache.get("a", 1) is not None  # a is now the most recently used
    cache.put("c", 1, answer("cccc"))
    assert cache.get("b", 1) is None
    assert cache.get("a", 1) is not None
    assert cache.get("c", 1) is not None
    # 8 + 4 bytes past the two overheads: only d fits beside nothing else
    cache.put("d", 1, answer("d" * (8 + ENTRY_OVERHEAD_BYTES)))
    assert [cache.get(k, 1) is not None for k in "acd"] == [False, False, True]
    # over the byte bound: never stored
    cache.put("huge", 1, answer("x" * (11 + ENTRY_OVERHEAD_BYTES)))
    assert cache.get("huge", 1) is None
    # another version is another answer
    assert cache.get("d", 2) is None


def test_concurrent_misses_compute_once_and_errors_are_not_kept() -> None:
    cache = AnswerCache(FixedVersion(7), max_entries=8, max_bytes=1000)
    calls: list[str] = []

    async def slow() -> Answer:
        calls.append("slow")
        await asyncio.sleep(0.05)
        return answer("done")

    async def failing() -> Answer:
        calls.append("failing")
        await asyncio.sleep(0.01)
        raise RuntimeError("no")

    async def scenario() -> None:
        results = await asyncio.gather(*(cache.answer("k", 7, slow) for _ in range(5)))
        assert {r.body for r in results} == {b"done"}
        outcomes = await asyncio.gather(
            *(cache.answer("bad", 7, failing) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(o, RuntimeError) for o in outcomes)
        assert cache.get("bad", 7) is None

    asyncio.run(scenario())
    assert calls == ["slow", "failing"]
    assert cache.get("k", 7) is not None


def test_an_answer_of_a_version_no_longer_current_is_not_kept() -> None:
    watcher = FixedVersion(3)
    cache = AnswerCache(watcher, max_entries=8, max_bytes=1000)

    async def changes_meanwhile() -> Answer:
        watcher._fixed = 4  # the data changed while the answer was computed
        return answer("old")

    asyncio.run(cache.answer("k", 3, changes_meanwhile))
    assert cache.get("k", 3) is None


@pytest.fixture
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=60) as c:
        yield c


def test_answers_carry_the_data_version_and_revalidate(client: httpx.Client) -> None:
    for path in (f"/api/v1/compliance?city={CITY}", COVERAGE, f"/api/v1/gaps?city={CITY}"):
        # the first answer may store the compliance run ("reused": false), the next reuse it
        client.get(path)
        first, second = client.get(path), client.get(path)
        assert first.status_code == second.status_code == 200, first.text
        assert first.content == second.content
        assert first.headers["ETag"] == second.headers["ETag"]
        assert int(first.headers["X-Data-Version"]) >= 1
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304
        assert again.content == b""


def facilities_counted(client: httpx.Client) -> tuple[int, int]:
    response = client.get(COVERAGE)
    assert response.status_code == 200, response.text
    return response.json()["facilities"], int(response.headers["X-Data-Version"])


def test_an_api_write_is_seen_by_the_very_next_read(client: httpx.Client, served: Served) -> None:
    count, version = facilities_counted(client)
    created = client.post(
        "/api/v1/facilities",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [113.05, 28.05]},
            "properties": {"name": "answers-probe", "type": "village_clinic"},
        },
        headers=served.headers("admin"),
    )
    assert created.status_code == 201, created.text
    after, after_version = facilities_counted(client)
    assert (after, after_version > version) == (count + 1, True)
    deleted = client.delete(
        f"/api/v1/facilities/{created.json()['id']}", headers=served.headers("admin")
    )
    assert deleted.status_code == 204
    assert facilities_counted(client)[0] == count


def test_a_write_by_another_process_reaches_the_server(
    client: httpx.Client, served: Served
) -> None:
    count, version = facilities_counted(client)
    engine = create_engine(served.database_url)
    try:
        with Session(engine) as session, session.begin():
            probe = Facility(
                name="answers-probe-cli",
                type="village_clinic",
                region_adcode="439901",
                source="test",
                geom=WKTElement("POINT(113.05 28.05)", srid=4326),
            )
            session.add(probe)
        deadline = time.monotonic() + WAIT_S
        while facilities_counted(client) != (count + 1, version + 1):
            assert time.monotonic() < deadline, "the server kept answering the old data"
            time.sleep(0.05)
    finally:
        with Session(engine) as session, session.begin():
            session.execute(delete(Facility).where(Facility.name == "answers-probe-cli"))
        engine.dispose()
