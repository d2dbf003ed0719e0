"""Refusals across routes in the reader's language: the message and every detail's ``msg`` are
the catalogue's Chinese by default (no English sentence) and its English with ``lang=en``;
pydantic's own ``type`` and ``loc`` stay in the details for machines."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests._english import english_sentences

CITY = "439900"


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


def _chinese(error: dict[str, Any]) -> None:
    said = [error["message"], *(d["msg"] for d in error["details"])]
    assert all(said)
    assert [s for s in said if english_sentences(s)] == []


@pytest.mark.usefixtures("tiny_city")
@pytest.mark.parametrize(
    ("method", "path", "options", "status", "code", "message", "details"),
    [
        (
            "GET",
            "/api/v1/regions",
            {"params": {"city": "999999"}},
            404,
            "not_found",
            "city 999999 not found: no region has that adcode",
            [("city", "city 999999 not found: no region has that adcode")],
        ),
        (
            "GET",
            "/api/v1/regions",
            {"params": {"bbox": "1,2"}},
            422,
            "invalid_input",
            "bbox must be four numbers minlon,minlat,maxlon,maxlat in WGS84 degrees, got '1,2'",
            [
                (
                    "bbox",
                    "bbox must be four numbers minlon,minlat,maxlon,maxlat in WGS84 degrees, "
                    "got '1,2'",
                )
            ],
        ),
        (
            "GET",
            "/api/v1/regions/4301",
            {},
            422,
            "invalid_input",
            "invalid adcode",
            [("adcode", "adcode must match ^[0-9]{6}$, got '4301'")],
        ),
        (
            "GET",
            "/api/v1/nowhere",
            {},
            404,
            "not_found",
            "no such address: /api/v1/nowhere",
            [],
        ),
        (
            "DELETE",
            "/api/v1/health",
            {},
            405,
            "method_not_allowed",
            "DELETE is not allowed on /api/v1/health",
            [],
        ),
        (
            "POST",
            "/api/v1/scenarios",
            {
                "content": b'{"city": "439900", "name": ',
                "headers": {"Content-Type": "application/json"},
            },
            422,
            "invalid_input",
            "the request is invalid",
            [("", "the body is not valid JSON")],
        ),
        (
            "POST",
            "/api/v1/scenarios",
            {"json": {"city": "999999", "name": "新方案", "colour": "red"}},
            422,
            "invalid_input",
            "invalid colour",
            [("colour", "colour is not a field taken here (misspelt, or misplaced)")],
        ),
    ],
)
def test_refusals_are_worded_for_each_reader(
    client: TestClient,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int,
    code: str,
    message: str,
    details: list[tuple[str, str]],
) -> None:
    chinese = client.request(method, path, **options)
    english = client.request(
        method, path, **{**options, "params": {**options.get("params", {}), "lang": "en"}}
    )

    assert (chinese.status_code, english.status_code) == (status, status)
    _chinese(_error(chinese))
    assert _error(chinese)["code"] == _error(english)["code"] == code
    assert _error(chinese)["message"] != message
    assert _error(english)["message"] == message
    assert [(d["field"], d["msg"]) for d in _error(english)["details"]] == details
    # the same problems for both readers, in the same order
    assert [d["field"] for d in _error(chinese)["details"]] == [f for f, _ in details]


def test_pydantic_keeps_its_type_and_loc_for_machines(client: TestClient) -> None:
    answer = client.get("/api/v1/regions", params={"level": "planet"})

    assert answer.status_code == 422
    (detail,) = _error(answer)["details"]
    assert (detail["type"], detail["loc"], detail["field"]) == (
        "literal_error",
        ["query", "level"],
        "level",
    )
    assert detail["msg"].startswith("level 应为以下之一：")
    assert detail["msg"].endswith("，收到的是 'planet'")
    _chinese(_error(answer))
    english = client.get(
        "/api/v1/regions", params={"level": "planet"}, headers={"Accept-Language": "en"}
    )
    assert _error(english)["details"][0]["msg"].startswith("level must be one of: province, ")


def test_accept_language_chooses_english_and_lang_wins_over_it(client: TestClient) -> None:
    english = client.get("/api/v1/nowhere", headers={"Accept-Language": "en-GB,en;q=0.9"})
    chinese = client.get(
        "/api/v1/nowhere", params={"lang": "zh"}, headers={"Accept-Language": "en-GB"}
    )

    assert _error(english)["message"] == "no such address: /api/v1/nowhere"
    assert _error(chinese)["message"] == "没有这个地址：/api/v1/nowhere"


@pytest.mark.usefixtures("tiny_city")
def test_a_stale_or_wrong_version_of_a_scenario_is_worded(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    planner = {"Authorization": f"Bearer {make_token('planner', 'planner-a')}"}
    created = client.post(
        "/api/v1/scenarios", json={"city": CITY, "name": "东区新中心"}, headers=planner
    )
    assert created.status_code == 201, created.text
    sid = created.json()["id"]
    path = f"/api/v1/scenarios/{sid}"
    renamed = client.patch(
        path, json={"name": "改名"}, headers={**planner, "If-Match": f'"{sid}-1"'}
    )
    assert renamed.status_code == 200, renamed.text

    for lang in ("zh", "en"):
        stale = client.patch(
            path,
            params={"lang": lang},
            json={"name": "再改"},
            headers={**planner, "If-Match": f'"{sid}-1"'},
        )
        other = client.patch(
            path, params={"lang": lang}, json={"name": "再改", "version": 9}, headers=planner
        )
        unversioned = client.patch(
            path, params={"lang": lang}, json={"name": "再改"}, headers=planner
        )
        assert (stale.status_code, other.status_code, unversioned.status_code) == (412, 409, 428)
        said = [_error(r) for r in (stale, other, unversioned)]
        if lang == "zh":
            for error in said:
                _chinese(error)
            assert said[0]["message"] == f'方案 {sid} 在读取后已被修改（ETag "{sid}-2"）'
            assert said[1]["message"] == f"方案 {sid} 的当前版本是 2，不是 9"
        else:
            assert (
                said[0]["message"] == f'scenario {sid} changed since it was read (ETag "{sid}-2")'
            )
            assert said[1]["message"] == f"scenario {sid} is at version 2, not 9"
            assert said[2]["message"] == (
                f'changing scenario {sid} needs the version it changes: send If-Match: "{sid}-2" '
                "(its ETag) or the property version"
            )
            assert said[2]["details"] == [{"field": "If-Match", "msg": said[2]["message"]}]
