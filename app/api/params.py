"""Query parameters shared by several routes, validated with a 4xx that names them."""

import math
from typing import Annotated, Any

from fastapi import Depends, Query

from app.errors import InvalidInputError

BBOX_HELP = "minlon,minlat,maxlon,maxlat in WGS84 degrees"

# what a route over a spatial rule of a prepared city answers besides 200
SPATIAL_RULE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown city or scenario, or no plan for the city"},
    409: {"description": "the city is not prepared: run `fplan demo --city …`"},
    422: {"description": "the rule is not a spatial rule of the city's plan (field `rule`)"},
}

# a scenario of the request's city, whose changes the answer applies in memory
ScenarioQuery = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="a scenario of the city (its id)")
]


def parse_bbox(
    bbox: Annotated[str | None, Query(description=BBOX_HELP, max_length=200)] = None,
) -> tuple[float, float, float, float] | None:
    """Parse ``minlon,minlat,maxlon,maxlat``; refuse wrong counts, ranges and order."""
    if bbox is None:
        return None
    parts = bbox.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInputError.worded("error.bbox.numbers", field="bbox", value=bbox)
    minlon, minlat, maxlon, maxlat = values
    if not (
        -180 <= minlon <= 180
        and -180 <= maxlon <= 180
        and -90 <= minlat <= 90
        and -90 <= maxlat <= 90
    ):
        raise InvalidInputError.worded("error.bbox.range", field="bbox", value=bbox)
    if minlon > maxlon or minlat > maxlat:
        raise InvalidInputError.worded("error.bbox.order", field="bbox", value=bbox)
    return minlon, minlat, maxlon, maxlat


BboxDep = Annotated[tuple[float, float, float, float] | None, Depends(parse_bbox)]
