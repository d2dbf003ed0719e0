"""Real parallel requests: one edit wins, parallel writers take turns, and nothing is a 500.

Threads send requests at once, released by a barrier, to a real server in its own process, so
they overlap in the database: PATCHes with the same ``If-Match`` (or ``version``) give one winner
and 409/412; changes added to one scenario all land, each with its own ``seq``; deletes of one
facility give one 204 and 404s. Ownership of scenarios is by token id, not by the token's name,
and a facility deleted under a scenario leaves its change flagged and the scenario's ETag stale.
"""

import threading
from collections.abc import Callable

import httpx
import pytest

from tests.api.conftest import Served

THREADS = 8
ROUNDS = 3


def create_facility(served: Served, name: str) -> int:
    response = httpx.post(
        f"{served.base_url}/api/v1/facilities",
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [113.06, 28.06]},
            "properties": {"name": name, "type": "village_clinic", "beds": 0},
        },
        headers=served.headers("admin"),
    )
    assert response.status_code == 201, response.text
    fid: int = response.json()["id"]
    return fid


def patch_at_once(
    served: Served, fid: int, *, if_match: str | None, version: int | None
) -> list[tuple[int, int]]:
    """(status, beds sent) of THREADS simultaneous PATCHes, each setting its own bed count."""
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def edit(beds: int) -> None:
        properties: dict[str, int] = {"beds": beds}
        if version is not None:
            properties["version"] = version
        headers = served.headers("admin") | ({"If-Match": if_match} if if_match else {})
        with httpx.Client(base_url=served.base_url, headers=headers, timeout=30) as client:
            barrier.wait()
            response = client.patch(
                f"/api/v1/facilities/{fid}",
                json={"type": "Feature", "geometry": None, "properties": properties},
            )
        with lock:
            results.append((response.status_code, beds))

    threads = [threading.Thread(target=edit, args=(10 + i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("how", ["if-match", "version"])
def test_parallel_edits_give_one_winner_and_no_lost_update(served: Served, how: str) -> None:
    fid = create_facility(served, f"race-{how}")
    for round_ in range(ROUNDS):
        current = httpx.get(f"{served.base_url}/api/v1/facilities/{fid}")
        etag, version = current.headers["ETag"], current.json()["properties"]["version"]
        assert version == round_ + 1
        results = patch_at_once(
            served,
            fid,
            if_match=etag if how == "if-match" else None,
            version=version if how == "version" else None,
        )
        statuses = sorted(status for status, _ in results)
        winners = [beds for status, beds in results if status == 200]
        assert len(winners) == 1, statuses
        assert set(statuses) - {200} <= {409, 412}, statuses
        stored = httpx.get(f"{served.base_url}/api/v1/facilities/{fid}").json()["properties"]
        # the one accepted edit is the one stored, and the version moved by exactly one
        assert (stored["beds"], stored["version"]) == (winners[0], version + 1)


def at_once(served: Served, n: int, call: Callable[[httpx.Client], httpx.Response]) -> list[int]:
    """Statuses of ``n`` simultaneous calls, each on its own connection, released together."""
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=served.base_url, timeout=60) as client:
            barrier.wait()
            response = call(client)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_parallel_changes_to_one_scenario_take_turns(served: Served) -> None:
    planner = served.headers("planner")
    created = httpx.post(
        f"{served.base_url}/api/v1/scenarios",
        json={"name": "race", "city": "439900"},
        headers=planner,
    )
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    fid = create_facility(served, "changed-in-parallel")
    # admins may change any scenario: one token a request, so no client ever has two requests in
    # flight and the per-client limit (429) cannot answer for the scenario's turn-taking
    admins = []
    for i in range(THREADS * ROUNDS):
        issued = httpx.post(
            f"{served.base_url}/api/v1/tokens",
            json={"name": f"parallel-admin-{i}", "role": "admin"},
            headers=served.headers("admin"),
        )
        admins.append({"Authorization": f"Bearer {issued.json()['secret']}"})
    update = {"kind": "update", "facility_id": fid, "properties": {"beds": 1}}
    tokens = iter(admins)
    lock = threading.Lock()

    def post(client: httpx.Client) -> httpx.Response:
        with lock:
            headers = next(tokens)
        return client.post(f"/api/v1/scenarios/{sid}/changes", json=update, headers=headers)

    statuses = at_once(served, THREADS * ROUNDS, post)
    # every change lands in its turn, or is refused at once when no computation slot is free
    assert set(statuses) <= {201, 503}, statuses
    landed = statuses.count(201)
    assert landed >= 1
    stored = httpx.get(f"{served.base_url}/api/v1/scenarios/{sid}", headers=planner).json()
    assert [c["seq"] for c in stored["changes"]] == list(range(1, landed + 1))
    assert stored["version"] == 1 + landed


def test_parallel_deletes_give_one_204_and_404s(served: Served) -> None:
    fid = create_facility(served, "deleted-in-parallel")
    admin = served.headers("admin")
    statuses = at_once(served, 10, lambda c: c.delete(f"/api/v1/facilities/{fid}", headers=admin))
    assert statuses == [204] + [404] * 9, statuses


def test_a_token_named_like_the_owner_is_not_the_owner(served: Served) -> None:
    planner = served.headers("planner")
    created = httpx.post(
        f"{served.base_url}/api/v1/scenarios",
        json={"name": "mine", "city": "439900"},
        headers=planner,
    )
    sid = created.json()["id"]
    # an admin issues a second token under the same holder name
    twin = httpx.post(
        f"{served.base_url}/api/v1/tokens",
        json={"name": "served-planner", "role": "planner"},
        headers=served.headers("admin"),
    )
    assert twin.status_code == 201, twin.text
    impostor = {"Authorization": f"Bearer {twin.json()['secret']}"}
    url = f"{served.base_url}/api/v1/scenarios/{sid}"
    assert httpx.get(url, headers=impostor).status_code == 404
    renamed = httpx.patch(url, json={"name": "theirs", "version": 1}, headers=impostor)
    assert renamed.status_code == 404
    assert httpx.delete(url, headers=impostor).status_code == 404
    listed = httpx.get(f"{served.base_url}/api/v1/scenarios", headers=impostor).json()
    assert sid not in [s["id"] for s in listed["scenarios"]]
    # the owner still may
    mine = httpx.patch(url, json={"name": "still mine", "version": 1}, headers=planner)
    assert mine.status_code == 200, mine.text


def test_a_facility_deleted_under_a_scenario_moves_its_version(served: Served) -> None:
    planner = served.headers("planner")
    fid = create_facility(served, "deleted-under-a-scenario")
    created = httpx.post(
        f"{served.base_url}/api/v1/scenarios",
        json={
            "name": "closes it",
            "city": "439900",
            "changes": [{"kind": "close", "facility_id": fid}],
        },
        headers=planner,
    )
    assert created.status_code == 201, created.text
    sid, etag = created.json()["id"], created.headers["ETag"]
    deleted = httpx.delete(
        f"{served.base_url}/api/v1/facilities/{fid}", headers=served.headers("admin")
    )
    assert deleted.status_code == 204
    url = f"{served.base_url}/api/v1/scenarios/{sid}"
    now = httpx.get(url, headers=planner)
    assert now.headers["ETag"] != etag
    changes = now.json()["changes"]
    assert [(c["facility_id"], c["facility_missing"]) for c in changes] == [(fid, True)]
    stale = httpx.patch(url, json={"name": "x"}, headers=planner | {"If-Match": etag})
    assert stale.status_code == 412
