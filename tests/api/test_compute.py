"""Time limits of long computations: 504 past the deadline, 503 at once when no slot is free."""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import get_norm_catalogues, get_session
from app.errors import ComputationBusyError, ComputationTimeoutError
from app.main import create_app
from app.runtime.compute import ComputationCancelledError, ComputeLimiter, checkpoint
from app.settings import Settings
from tests.fixtures.compliance_city import CITY, tiny_norms
from tests.fixtures.compliance_city import prepare as prepare_city


@pytest.fixture
def limiter() -> Iterator[ComputeLimiter]:
    limiter = ComputeLimiter(workers=1, timeout_s=0.2)
    yield limiter
    limiter.shutdown()


def test_a_late_job_times_out_and_a_queued_one_never_runs(limiter: ComputeLimiter) -> None:
    release = threading.Event()
    ran: list[str] = []

    def slow() -> str:
        release.wait(10)
        ran.append("slow")
        return "slow"

    def quick() -> str:
        ran.append("quick")
        return "quick"

    start = time.monotonic()
    with pytest.raises(ComputationTimeoutError, match=r"did not finish within 0.2 s"):
        limiter.run(slow, what="slow job")
    assert 0.2 <= time.monotonic() - start < 1.0
    # the only worker is still on the slow job: the quick one is refused at once, never queued
    with pytest.raises(ComputationBusyError, match=r"all 1 computation slots are busy"):
        limiter.run(quick, what="quick job")
    assert limiter.busy == 1
    release.set()
    assert limiter.wait_idle(5)
    assert ran == ["slow"]
    assert limiter.busy == 0
    assert limiter.run(quick, what="quick job") == "quick"


def test_errors_inside_a_job_reach_the_caller(limiter: ComputeLimiter) -> None:
    def broken() -> None:
        msg = "bad input"
        raise ValueError(msg)

    with pytest.raises(ValueError, match="bad input"):
        limiter.run(broken, what="broken job")
    assert limiter.wait_idle(1)


@pytest.mark.usefixtures("tiny_city")
def test_compliance_past_its_deadline_is_504_and_is_stored_for_the_retry(
    settings: Settings, db_session: Session, tmp_path: Path
) -> None:
    prepare_city(db_session)
    norms = tiny_norms(tmp_path)
    hasty = create_app(settings.model_copy(update={"compute_timeout_s": 0.001}))
    hasty.dependency_overrides[get_session] = lambda: db_session
    hasty.dependency_overrides[get_norm_catalogues] = lambda: norms
    with TestClient(hasty) as client:
        response = client.get("/api/v1/compliance", params={"city": CITY})
        # the job keeps the test's connection until it ends: wait before touching it again
        assert hasty.state.compute.wait_idle(60)
    assert response.status_code == 504
    error = response.json()["error"]
    assert error["code"] == "computation_timeout"
    # in the reader's words, the computation not named by its function
    assert error["message"] == (
        "这项计算未能在 0.001 秒内完成；它在后台继续运行（结果会保存复用），请一分钟后重试"
    )

    patient = create_app(settings)
    patient.dependency_overrides[get_session] = lambda: db_session
    patient.dependency_overrides[get_norm_catalogues] = lambda: norms
    with TestClient(patient) as client:
        retry = client.get("/api/v1/compliance", params={"city": CITY})
    assert retry.status_code == 200, retry.text
    # the timed-out run finished in the background and was stored: the retry reuses it
    assert retry.json()["reused"] is True


def test_a_timed_out_long_job_stops_at_its_checkpoint_and_frees_its_slot(
    limiter: ComputeLimiter,
) -> None:
    stages: list[int] = []
    stopped = threading.Event()

    def long_job() -> str:
        # an optimisation's stages, each short, with a checkpoint between them
        try:
            for stage in range(1_000):
                time.sleep(0.01)
                checkpoint()
                stages.append(stage)
        except ComputationCancelledError:
            stopped.set()
            raise
        return "done"

    with pytest.raises(ComputationTimeoutError, match=r"was stopped"):
        limiter.run(long_job, what="long job", long=True)
    # the job stops at its next checkpoint: its slot is free again long before it could end
    assert limiter.wait_idle(2)
    assert stopped.is_set()
    assert 0 < len(stages) < 1_000
    assert limiter.run(lambda: "next", what="next job") == "next"


def test_a_timed_out_read_is_not_stopped_so_its_result_is_stored(limiter: ComputeLimiter) -> None:
    done = threading.Event()

    def read_job() -> str:
        for _ in range(40):
            time.sleep(0.01)
            checkpoint()
        done.set()
        return "stored"

    with pytest.raises(ComputationTimeoutError, match=r"goes on in the background"):
        limiter.run(read_job, what="compliance")
    assert limiter.wait_idle(5)
    assert done.is_set()


def test_a_checkpoint_outside_a_computation_does_nothing() -> None:
    # the CLI and planner scripts call the same services: no deadline, nothing to stop
    assert checkpoint() is None
