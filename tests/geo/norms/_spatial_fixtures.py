"""Builders shared by the tests of spatial rules and of their covered areas: tiny networks in
metres from (X0, Y0) in UTM 49N, facilities and rules."""

from typing import Any

import numpy as np

from geo.network import Network, network_from_arrays
from geo.norms import FacilityInput, FacilityType, Rule

CITY = "439900"
EAST, WEST = "439901", "439902"
CITE = {"document": "seed.txt", "lines": "L1", "quote": "引文"}
CRS = "EPSG:32649"
X0, Y0 = 700_000.0, 3_100_000.0


def make_rule(**fields: Any) -> Rule:
    base = {"id": "test.rule", "title_zh": "测试", "title_en": "test", "citation": CITE}
    return Rule.model_validate({**base, **fields})


def line(xs: list[float], highway: str = "residential", **kwargs: Any) -> Network:
    """Nodes on the x axis joined in order by two-way streets of one class."""
    n = len(xs)
    return network_from_arrays(
        np.asarray(xs) + X0,
        np.full(n, Y0),
        np.arange(n - 1),
        np.arange(1, n),
        [highway] * (n - 1),
        crs=CRS,
        **kwargs,
    )


def detour() -> Network:
    """A facility at A (0, 0) and a village at B (1000, 0); the road runs round by the north.

    A -> (0, 2000) -> (1000, 2000) -> B: 5,000 m of road for 1,000 m as the crow flies.
    """
    return network_from_arrays(
        np.array([0, 0, 1000, 1000]) + X0,
        np.array([0, 2000, 2000, 0]) + Y0,
        np.array([0, 1, 2]),
        np.array([1, 2, 3]),
        ["tertiary"] * 3,
        crs=CRS,
    )


def centre(ident: int = 1, unit: str = EAST, **kwargs: Any) -> FacilityInput:
    return FacilityInput(
        ident, f"centre {ident}", FacilityType.COMMUNITY_HEALTH_CENTER, unit, **kwargs
    )


def station(ident: int, unit: str = EAST, **kwargs: Any) -> FacilityInput:
    return FacilityInput(ident, f"station {ident}", FacilityType.EMS_STATION, unit, **kwargs)


def ems_rule(
    direction: str = "from_facility", minutes: float = 8, radius_km: float | None = None
) -> Rule:
    params: dict[str, Any] = {
        "facilities": [{"facility_types": ["ems_center", "ems_station"]}],
        "direction": direction,
        "mode": "drive",
        "minutes": minutes,
    }
    if radius_km is not None:
        params["radius_km"] = radius_km
    return make_rule(
        kind="ems_response",
        applies_to=["city", "district"],
        parameters=params,
        target={"value": minutes, "unit": "minutes"},
    )
