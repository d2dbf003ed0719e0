"""Cached answers: the bounded cache itself, and the live server's answers across writes.

The server runs in its own process on a committed database (``served``), so its cache follows the
database's data version as in service: an API write through it, and a write by another process
(here, this test process on its own engine, as the CLI would), must both reach the next read.
"""

import asyncio
import gzip
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from geoalchemy2 import WKTElement
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from app.api.answer_lane import AnswerLane, request_signature
from app.api.answers import accepts_gzip
from app.db.models import Facility
from app.runtime._lru import ENTRY_OVERHEAD_BYTES
from app.runtime.answers import GZIP_MIN_BYTES, Answer, AnswerCache, DataVersionWatcher
from app.settings import Settings
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


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (None, False),
        ("", False),
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, GZIP;q=0.5", True),
        ("x-gzip", True),
        ("*", True),
        ("identity", False),
        ("deflate, br", False),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("gzip;q=zero", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_an_answer_keeps_its_gzip_encoding_when_it_pays() -> None:
    body = b'{"results": [' + b'{"passed": true}, ' * 200 + b"]}"
    plain = Answer(body, "application/json", {"Vary": "Accept-Language"})
    packed = plain.compressed()
    assert packed.gzip_body is not None
    assert gzip.decompress(packed.gzip_body) == body
    assert packed.headers["Vary"] == "Accept-Language, Accept-Encoding"
    assert packed.etag == plain.etag != packed.gzip_etag
    assert packed.size_bytes == len(body) + len(packed.gzip_body)
    assert packed.compressed() is packed
    # short bodies and bodies gzip cannot shrink (zip-based xlsx) stay as they are
    short = Answer(b"x" * (GZIP_MIN_BYTES - 1), "text/plain")
    noise = Answer(bytes(range(256)) * 8, "application/octet-stream")
    incompressible = Answer(gzip.compress(noise.body * 8), "application/octet-stream")
    for unchanged in (short, incompressible):
        assert unchanged.compressed() is unchanged
        assert unchanged.gzip_body is None
        assert "Vary" not in unchanged.headers


def scope_of(path: str, query: bytes, *headers: tuple[bytes, bytes]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query,
        "headers": headers,
    }


class FixedCatalogues:
    """A catalogue store whose loaded set is told (its key only)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def load(self, settings: Settings) -> SimpleNamespace:
        return SimpleNamespace(key=self.key)


def test_the_lane_answers_a_repeated_read_only_while_it_is_current() -> None:
    watcher = FixedVersion(5)
    cache = AnswerCache(watcher, max_entries=8, max_bytes=10_000)
    catalogues = FixedCatalogues("k1")
    app = SimpleNamespace(dependency_overrides={})
    lane = AnswerLane(
        app,  # type: ignore[arg-type]
        cache,
        catalogues,  # type: ignore[arg-type]
        Settings(),
        max_entries=2,
    )
    zh = scope_of("/api/v1/compliance", b"city=430100")
    en = scope_of("/api/v1/compliance", b"city=430100", (b"accept-language", b"en"))
    cache.put("key-zh", 5, answer("zh"))
    lane.remember(zh, "key-zh", 5, "k1")
    found = lane.find(zh)
    assert found is not None
    assert (found[0].body, found[1]) == (b"zh", 5)
    # another language, query, method or a token is another read (or none the lane takes)
    assert lane.find(en) is None
    assert lane.find(scope_of("/api/v1/compliance", b"city=431100")) is None
    assert lane.find({**zh, "method": "HEAD"}) is None
    token = scope_of("/api/v1/compliance", b"city=430100", (b"authorization", b"Bearer x"))
    assert request_signature(token) is None
    assert lane.find(token) is None
    # another data version, another catalogue set, overrides: the full path answers
    watcher._fixed = 6
    assert lane.find(zh) is None
    watcher._fixed = 5
    catalogues.key = "k2"
    assert lane.find(zh) is None
    catalogues.key = "k1"
    app.dependency_overrides["x"] = "y"
    assert lane.find(zh) is None
    app.dependency_overrides.clear()
    assert lane.find(zh) is not None
    # an answer the cache let go is not served either
    cache.clear()
    assert lane.find(zh) is None
    # bounded: the least recently used read goes first
    for n in range(3):
        lane.remember(scope_of("/x", str(n).encode()), n, 5, None)
    assert len(lane) == 2


def test_reads_that_need_a_token_never_take_the_lane() -> None:
    cache = AnswerCache(FixedVersion(1), max_entries=8, max_bytes=10_000)
    lane = AnswerLane(
        SimpleNamespace(dependency_overrides={}),  # type: ignore[arg-type]
        cache,
        FixedCatalogues("k"),  # type: ignore[arg-type]
        Settings(auth_required_for_reads=True),
        max_entries=8,
    )
    read = scope_of("/api/v1/gaps", b"city=430100")
    cache.put("gaps", 1, answer("zones"))
    lane.remember(read, "gaps", 1, None)
    assert len(lane) == 0
    assert lane.find(read) is None


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


def test_gzip_is_sent_to_those_who_accept_it(client: httpx.Client) -> None:
    path = f"/api/v1/compliance?city={CITY}"
    client.get(path)
    # three times each: the first answer may be computed, the next come from the lane
    plain = [client.get(path, headers={"Accept-Encoding": "identity"}) for _ in range(3)]
    packed = [client.get(path, headers={"Accept-Encoding": "gzip, deflate"}) for _ in range(3)]
    english = [
        client.get(path, headers={"Accept-Encoding": "gzip", "Accept-Language": "en"})
        for _ in range(3)
    ]
    for response in (*plain, *packed, *english):
        assert response.status_code == 200, response.text
        assert "Accept-Encoding" in response.headers["Vary"]
    assert {r.headers.get("Content-Encoding") for r in plain} == {None}
    assert {r.headers["Content-Encoding"] for r in (*packed, *english)} == {"gzip"}
    # httpx inflates: the same JSON either way, a few times smaller on the wire
    assert {r.content for r in packed} == {plain[0].content}
    assert int(packed[0].headers["Content-Length"]) * 3 < len(plain[0].content)
    assert len({r.headers["ETag"] for r in packed}) == 1
    assert packed[0].headers["ETag"] != plain[0].headers["ETag"]
    # the reader's language is part of the read: the English answer is another one
    assert english[0].json()["results"][0]["message"] != packed[0].json()["results"][0]["message"]
    assert len({r.content for r in english}) == 1
    # each encoding revalidates against its own tag
    for sent, tag in (("gzip", packed[0].headers["ETag"]), ("identity", plain[0].headers["ETag"])):
        again = client.get(path, headers={"Accept-Encoding": sent, "If-None-Match": tag})
        assert again.status_code == 304
        assert "Content-Encoding" not in again.headers
    crossed = client.get(
        path, headers={"Accept-Encoding": "gzip", "If-None-Match": plain[0].headers["ETag"]}
    )
    assert crossed.status_code == 200


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
