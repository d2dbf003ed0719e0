"""A short bounded load on loopback: 50 clients on compliance and coverage, no error allowed.

The full run (30 s on the demo city) is ``make loadtest``; this one runs a few seconds against the
tiny prepared city so it fits the suite, and prints its p50 / p95 / p99.
"""

import math

import pytest

from tests.api.conftest import Served
from tests.fixtures.compliance_city import CITY
from tools.loadtest import percentile, run_load

CLIENTS = 50
DURATION_S = 3.0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (
        50.0,
        95.0,
        99.0,
    )
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))


def test_fifty_clients_get_no_error(served: Served, capsys: pytest.CaptureFixture[str]) -> None:
    targets = {
        "compliance": f"/api/v1/compliance?city={CITY}",
        "coverage": f"/api/v1/coverage?city={CITY}&facility_type=ems_station&minutes=15",
    }
    stats = run_load(served.base_url, targets, clients=CLIENTS, duration_s=DURATION_S)
    with capsys.disabled():
        for s in stats:
            print(
                f"\n{s.name}: {s.requests} requests, {s.errors} errors, p50 {s.p50_ms:.1f} ms, "
                f"p95 {s.p95_ms:.1f} ms, p99 {s.p99_ms:.1f} ms ({CLIENTS} clients, {DURATION_S} s)"
            )
    for s in stats:
        assert s.requests > 0, s
        assert s.errors == 0, s.statuses
        assert s.statuses == {"200": s.requests}
    # the clients accept gzip as a browser does, and the cached compliance answer comes so
    compliance = stats[0]
    assert compliance.encodings == {"gzip": compliance.requests}
    assert compliance.body_bytes > 0
