"""Optimistic locking under real parallel requests: one edit wins, the others get 409/412.

Threads send PATCHes with the same ``If-Match`` (or the same ``version``) at once, released by
a barrier, to a real server in its own process, so the requests overlap in the database.
"""

import threading

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
