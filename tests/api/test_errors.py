"""Errors of the pure ``geo`` package answer through one table, with the standard error body."""

from pathlib import Path
from typing import cast

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
    message = "unknown datum 'utm49': expected one of wgs84, gcj02, bd09"
    # Chinese by default: the code's headline first; the detail keeps the error's own words
    assert bad.json() == {
        "error": {
            "code": "invalid_input",
            "message": f"输入有误：{message}",
            "details": [{"msg": message}],
        }
    }
    english = client.get("/api/v1/test-datum", params={"crs": "utm49", "lang": "en"})
    assert english.json() == {
        "error": {"code": "invalid_input", "message": message, "details": [{"msg": message}]}
    }
