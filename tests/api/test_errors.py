"""Errors of the pure ``geo`` package answer through one table, with the standard error body."""

import re
from pathlib import Path
from typing import cast

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.errors import GEO_STATUS_CODES, geo_status
from geo.datum import to_wgs84
from geo.errors import (
    CatalogueError,
    CatalogueProblem,
    DatumError,
    GeoError,
    InputError,
    LocationInfeasibleError,
    LocationSolverError,
    NetworkFormatError,
    NormEvaluationError,
)
from geo.locate import MCLP, plan_ems


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NetworkFormatError("roads.osm.pbf: not an OSM file"), (422, "invalid_input")),
        (DatumError("unknown datum 'utm'"), (422, "invalid_input")),
        (LocationInfeasibleError("no candidate reaches demand 3"), (422, "infeasible")),
        (LocationSolverError("no solution within 1 s"), (504, "computation_timeout")),
        (
            CatalogueError(Path("hengyang.yaml"), [CatalogueProblem("r1", "no quote")]),
            (503, "not_configured"),
        ),
        # not an input error: ours to fix
        (NormEvaluationError("rule r1 has no evaluator"), (500, "computation_error")),
        (GeoError("something else"), (500, "computation_error")),
    ],
)
def test_every_geo_error_has_one_status(error: GeoError, expected: tuple[int, str]) -> None:
    assert geo_status(error) == expected


def test_the_table_covers_the_roots() -> None:
    assert GEO_STATUS_CODES[GeoError] == (500, "computation_error")
    assert GEO_STATUS_CODES[InputError] == (422, "invalid_input")


def test_a_geo_input_error_in_a_route_is_a_422_with_the_standard_body(
    client: TestClient,
) -> None:
    app = cast("FastAPI", client.app)

    # a route that hands its query straight to geo, as a service would
    @app.get("/api/v1/test-datum")
    def convert(crs: str) -> dict[str, float]:
        lon, lat = to_wgs84(112.94, 28.18, crs=crs)
        return {"lon": lon, "lat": lat}

    good = client.get("/api/v1/test-datum", params={"crs": "gcj02"})
    assert good.status_code == 200
    bad = client.get("/api/v1/test-datum", params={"crs": "utm49"})
    assert bad.status_code == 422
    # Chinese by default, from the catalogue, naming the input and the value
    chinese = "crs：未知的取值 'utm49'，可选 wgs84 / gcj02 / bd09"
    assert bad.json() == {
        "error": {
            "code": "invalid_input",
            "message": chinese,
            "details": [{"field": "crs", "msg": chinese}],
        }
    }
    english = client.get("/api/v1/test-datum", params={"crs": "utm49", "lang": "en"})
    message = "crs: unknown value 'utm49'; expected one of wgs84 / gcj02 / bd09"
    assert english.json() == {
        "error": {
            "code": "invalid_input",
            "message": message,
            "details": [{"field": "crs", "msg": message}],
        }
    }


# the location models' refusals, as a route that hands its query to geo.locate words them
LOCATE_REFUSALS = [
    ({"k": 1.5}, "p_facilities", "1.5", "must be an integer"),
    ({"busy": 1.2}, "busy", "1.2", "must be in [0, 1)"),
    ({"candidates": 0}, "cost_matrix", "2 × 0", "at least one demand and one candidate"),
    ({"weights": 3}, "weights", "3", "weights has 3 values for 2 demands"),
]


@pytest.mark.parametrize(("query", "field", "shown", "english"), LOCATE_REFUSALS)
def test_a_location_models_refusal_names_the_field_in_the_readers_language(
    client: TestClient, query: dict[str, float], field: str, shown: str, english: str
) -> None:
    app = cast("FastAPI", client.app)

    @app.get("/api/v1/test-locate")
    def locate(
        k: float = 1, busy: float = 0.3, candidates: int = 2, weights: int = 2
    ) -> dict[str, float]:
        cost = np.ones((2, candidates))
        mclp = MCLP.from_cost_matrix(
            cost, np.ones(weights), service_radius=1.0, p_facilities=cast("int", k)
        )
        plan = plan_ems(
            cost,
            np.ones(2),
            service_radius=1.0,
            existing=np.full(candidates, -1),
            fleet_total=1,
            max_new=1,
            busy=busy,
        )
        return {"mclp": mclp.solve().objective, "ems": plan.expected_after}

    assert client.get("/api/v1/test-locate").status_code == 200
    chinese = client.get("/api/v1/test-locate", params=query)
    assert chinese.status_code == 422
    error = chinese.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"][0]["field"] == field
    # Chinese by default, from the catalogue: the field and the value named, no English words
    assert field in error["message"]
    assert shown in error["message"]
    assert re.search("[\u4e00-\u9fff]", error["message"])
    assert not re.search(r"[A-Za-z]{3,}\s+[A-Za-z]{3,}", error["message"])
    for asked in ({"lang": "en"}, {}):
        headers = {} if asked else {"Accept-Language": "en-GB,en;q=0.9"}
        answer = client.get("/api/v1/test-locate", params={**query, **asked}, headers=headers)
        assert answer.status_code == 422
        assert english in answer.json()["error"]["message"]
        assert answer.json()["error"]["details"][0]["field"] == field
