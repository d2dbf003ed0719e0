"""Travel-time model: default tables, overrides, maxspeed, EMS, congestion."""

import numpy as np
import pytest

from geo.errors import ModeError, SpeedTableError
from geo.network.speeds import (
    DRIVE_RURAL_SPEED_KPH,
    DRIVE_URBAN_SPEED_KPH,
    MAXSPEED_CAP_KPH,
    WALK_SPEED_KPH,
    travel_model,
)
from tests._refusals import refused

CLASSES = ("residential", "primary", "footway", "brand_new_class")


def speeds(
    mode: str,
    codes: list[int],
    *,
    maxspeed: list[float] | None = None,
    way_id: list[int] | None = None,
    urban: list[bool] | None = None,
    **overrides: object,
) -> list[float]:
    n = len(codes)
    model = travel_model(mode, **overrides)  # type: ignore[arg-type]
    speed = model.edge_speed_kph(
        np.asarray(codes, dtype=np.int16),
        CLASSES,
        maxspeed_kph=np.asarray(maxspeed if maxspeed is not None else [np.nan] * n),
        way_id=np.asarray(way_id if way_id is not None else [-1] * n, dtype=np.int64),
        urban=np.asarray(urban if urban is not None else [True] * n),
    )
    return [float(v) for v in speed]


def test_drive_uses_urban_and_rural_tables_and_a_fallback() -> None:
    assert speeds("drive", [0, 1, 3]) == [20.0, 40.0, 20.0]
    assert speeds("drive", [0, 1], urban=[False, False]) == [
        DRIVE_RURAL_SPEED_KPH["residential"],
        DRIVE_RURAL_SPEED_KPH["primary"],
    ]


def test_every_drive_class_has_an_urban_and_a_rural_speed() -> None:
    assert set(DRIVE_URBAN_SPEED_KPH) == set(DRIVE_RURAL_SPEED_KPH)
    assert all(DRIVE_RURAL_SPEED_KPH[c] >= DRIVE_URBAN_SPEED_KPH[c] for c in DRIVE_URBAN_SPEED_KPH)


def test_maxspeed_takes_precedence_and_is_capped() -> None:
    got = speeds("drive", [0, 0, 0], maxspeed=[50.0, np.nan, 200.0])
    assert got == [50.0, 20.0, MAXSPEED_CAP_KPH]
    assert speeds("drive", [0], maxspeed=[50.0], use_maxspeed=False) == [20.0]


def test_walk_is_one_speed_everywhere_and_ignores_maxspeed() -> None:
    assert speeds("walk", [0, 1, 2, 3], maxspeed=[50.0] * 4) == [WALK_SPEED_KPH] * 4
    assert speeds("walk", [2], walk_speed_kph=5.0) == [5.0]
    assert speeds("walk", [0, 2], speed_kph={"footway": 3.0}) == [4.5, 3.0]


def test_overrides_replace_only_the_given_classes() -> None:
    assert speeds("drive", [0, 1], speed_kph={"primary": 55.0}) == [20.0, 55.0]
    assert speeds("drive", [0], urban=[False], rural_speed_kph={"residential": 25.0}) == [25.0]


def test_ems_scales_drive_speeds_and_delays_each_trip_once() -> None:
    assert speeds("ems", [0, 1]) == pytest.approx([24.0, 48.0])
    assert speeds("ems", [0], emergency_factor=1.5) == pytest.approx([30.0])
    assert travel_model("ems").dispatch_delay_s == 180.0
    assert travel_model("ems", dispatch_delay_min=0.5).dispatch_delay_s == 30.0
    assert travel_model("drive").dispatch_delay_s == 0.0


def test_congestion_scales_and_replaces_speeds_of_listed_ways() -> None:
    got = speeds(
        "drive",
        [0, 0, 1],
        way_id=[7, 8, 9],
        congestion={7: 0.5, 9: 0.25},
        congestion_speed_kph={8: 5.0, 9: 60.0},
    )
    # way 9: absolute 60 km/h first, then the 0.25 multiplier
    assert got == [10.0, 5.0, 15.0]
    # congestion does not slow pedestrians
    assert travel_model("walk", congestion={7: 0.5}).congestion_scale == {}


def test_cache_key_tells_models_apart() -> None:
    assert travel_model("drive").cache_key() == travel_model("drive").cache_key()
    assert travel_model("drive").cache_key() != travel_model("ems").cache_key()
    changed = travel_model("drive", congestion={1: 0.5})
    assert changed.cache_key() != travel_model("drive").cache_key()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"speed_kph": {"primary": 0.0}}, "primary must be a finite number > 0"),
        ({"walk_speed_kph": -1.0}, "walk_speed_kph must be"),
        ({"dispatch_delay_min": -2.0}, "dispatch_delay_min must be"),
        ({"congestion": {5: float("nan")}}, r"congestion\[5\] must be"),
        ({"emergency_factor": 0.0}, "emergency_factor must be"),
    ],
)
def test_invalid_speed_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with refused(SpeedTableError, match=message):
        travel_model("ems", **kwargs)  # type: ignore[arg-type]


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ModeError):
        travel_model("bicycle")
