"""Admission control: no request waits for a computation slot; one client cannot stop the others.

The limiter is exercised with jobs held on events, and the real server (a process of its own on
loopback) with computations held for real: the test locks the ``facilities`` table, so every
cold computation that starts blocks inside the database until the lock is released. Whether a
request waited is told by order, not by clocks: an answer that arrives while the lock is still
held did not wait for a slot.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, create_engine, text

from app.errors import ComputationBusyError, TooManyComputationsError
from app.runtime.compute import ComputeLimiter
from tests.api.conftest import Served
from tests.fixtures.compliance_city import CITY

# the slowest a held job may stay held if a test goes wrong, seconds (a bound, not a measure)
HOLD_LIMIT_S = 30


@pytest.fixture
def limiter() -> Iterator[ComputeLimiter]:
    limiter = ComputeLimiter(workers=3, timeout_s=HOLD_LIMIT_S, per_client=1)
    yield limiter
    limiter.shutdown()


def hold(limiter: ComputeLimiter, release: threading.Event, **kwargs: Any) -> threading.Thread:
    """Start a job that holds a slot until ``release``; returns once it is admitted."""
    admitted = threading.Event()

    def job() -> None:
        admitted.set()
        release.wait(HOLD_LIMIT_S)

    thread = threading.Thread(target=lambda: limiter.run(job, what="held", **kwargs))
    thread.start()
    assert admitted.wait(HOLD_LIMIT_S)
    return thread


def test_a_full_pool_refuses_at_once_and_no_job_queues(limiter: ComputeLimiter) -> None:
    release = threading.Event()
    threads = [hold(limiter, release, client=f"token:{i}") for i in range(3)]
    ran: list[str] = []
    with pytest.raises(ComputationBusyError, match="all 3 computation slots are busy"):
        limiter.run(lambda: ran.append("late"), what="late job", client="token:9")
    # refused while the slots were still held: it did not wait for one, and never runs
    assert not release.is_set()
    assert limiter.busy == 3
    release.set()
    for thread in threads:
        thread.join()
    assert limiter.wait_idle(HOLD_LIMIT_S)
    assert ran == []
    assert limiter.run(lambda: "now", what="job", client="token:9") == "now"


def test_one_client_holds_at_most_its_share(limiter: ComputeLimiter) -> None:
    release = threading.Event()
    thread = hold(limiter, release, client="address:10.0.0.1")
    with pytest.raises(TooManyComputationsError, match="already have 1 computation"):
        limiter.run(lambda: "again", what="second job", client="address:10.0.0.1")
    # another client still finds a slot
    assert limiter.run(lambda: "other", what="job", client="address:10.0.0.2") == "other"
    release.set()
    thread.join()
    assert limiter.run(lambda: "again", what="job", client="address:10.0.0.1") == "again"


def test_long_jobs_leave_slots_for_the_short_ones(limiter: ComputeLimiter) -> None:
    assert limiter.long_workers == 1
    release = threading.Event()
    thread = hold(limiter, release, client="token:1", long=True)
    with pytest.raises(ComputationBusyError, match="long computation"):
        limiter.run(lambda: "solve", what="second optimisation", client="token:2", long=True)
    assert limiter.run(lambda: "read", what="compliance", client="token:3") == "read"
    release.set()
    thread.join()


# ---- the real server, computations held in the database


@contextmanager
def facilities_locked(database_url: str) -> Iterator[Connection]:
    """Lock the register: every computation that starts waits inside the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("LOCK TABLE facilities IN ACCESS EXCLUSIVE MODE"))
            yield conn
            conn.rollback()
    finally:
        engine.dispose()


def wait_for_slots(base_url: str, n: int) -> None:
    """Until the server reports ``n`` computations holding a slot (bounded)."""
    for _ in range(HOLD_LIMIT_S * 10):
        health = httpx.get(f"{base_url}/api/v1/health", timeout=HOLD_LIMIT_S).json()
        if health["computations_running"] >= n:
            return
        time.sleep(0.1)
    pytest.fail(f"fewer than {n} computations started: {health}")


def in_background(call: Callable[[], httpx.Response]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    return thread, out


def test_held_computations_do_not_delay_anyone_else(served: Served) -> None:
    base = served.base_url
    mint = httpx.post(
        f"{base}/api/v1/tokens",
        json={"name": "third-user", "role": "viewer"},
        headers=served.headers("admin"),
    )
    third = {"Authorization": f"Bearer {mint.json()['secret']}"}
    optimise = {
        "city": CITY,
        "model": "mclp",
        "k": 1,
        "minutes": 11,
        "mode": "drive",
        "facility_type": "community_health_center",
    }

    def get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return httpx.get(f"{base}/api/v1{path}", headers=headers, timeout=HOLD_LIMIT_S * 2)

    with facilities_locked(served.database_url):
        # a planner's long optimisation, and two cold reads: every slot held
        held = [
            in_background(
                lambda: httpx.post(
                    f"{base}/api/v1/optimize",
                    json=optimise,
                    headers=served.headers("planner"),
                    timeout=HOLD_LIMIT_S * 2,
                )
            ),
            in_background(
                lambda: get(f"/coverage?city={CITY}&facility_type=ems_station&minutes=13")
            ),
            in_background(
                lambda: get(
                    f"/coverage?city={CITY}&facility_type=ems_station&minutes=14",
                    served.headers("viewer"),
                )
            ),
        ]
        wait_for_slots(base, 3)

        # a second optimisation, a third user's cold read, a crowd of anonymous cold reads:
        # each refused at once with a time to retry, while the slots are still held
        second = httpx.post(
            f"{base}/api/v1/optimize",
            json={**optimise, "minutes": 12},
            headers=served.headers("admin"),
            timeout=HOLD_LIMIT_S,
        )
        cold = get(f"/compliance?city={CITY}", third)
        crowd = [
            get(f"/coverage?city={CITY}&facility_type=ems_station&minutes={m}")
            for m in range(20, 65)
        ]
        health = get("/health")
        running = health.json()["computations_running"]
        still_held = [thread.is_alive() for thread, _ in held]

    for thread, _ in held:
        thread.join(HOLD_LIMIT_S * 2)
    assert still_held == [True, True, True]
    assert (second.status_code, second.json()["error"]["code"]) == (503, "computation_busy")
    assert (cold.status_code, cold.headers["Retry-After"]) == (503, "5")
    assert {r.status_code for r in crowd} <= {429, 503}
    assert all("Retry-After" in r.headers for r in crowd)
    assert health.status_code == 200
    assert running == 3
    # once the register is free the held ones finish, and the third user's read succeeds
    assert [out[0].status_code for _, out in held] == [200, 200, 200]
    assert get(f"/compliance?city={CITY}", third).status_code == 200
