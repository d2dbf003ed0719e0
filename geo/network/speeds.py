"""Travel-time model per mode: default speed tables by OSM road class, overrides and congestion.

Three modes:

``walk``
    Pedestrians, both directions on every walkable way, one speed for all classes (4.5 km/h).
``drive``
    Cars, respecting one-way streets; speed from the ``maxspeed`` tag where it is present and
    parseable (capped at 120 km/h), else from the road-class table; urban and rural tables differ.
``ems``
    Ambulance: the ``drive`` speed times an emergency factor (default 1.2), plus a dispatch /
    turnout delay (default 3 minutes) added once per trip, not per edge.

Default speeds are planning values, not free-flow limits. Urban values follow the lower design
speed of the matching Chinese urban road class in CJJ 37-2012 (*Code for design of urban road
engineering*, design speeds: expressway 60–100, arterial 40–60, sub-arterial 30–50, branch
20–40 km/h),
because signals and friction keep operating speeds below the design speed in town. Rural values
follow the middle design speed of the matching highway grade in JTG B01-2014 (*Technical standard
of highway engineering*: expressway 80–120, grade I 60–100, grade II 60–80, grade III 30–40,
grade IV 20–30 km/h). Every value can be overridden with a mapping.

Congestion tables scale the speed of listed OSM ways (the two halves of r5r's ``new_carspeeds``):
``congestion`` maps a way id to a speed multiplier, ``congestion_speed_kph`` to an absolute speed
in km/h. Congestion applies to ``drive`` and ``ems``, not to ``walk``.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from geo._validate import check_mode
from geo.errors import SpeedTableError

# Highway Capacity Manual 2010 default walking speed 4.0 ft/s = 1.22 m/s = 4.4 km/h (pedestrian
# populations with under 20 % elderly), rounded to the common 4.5 km/h planning value
WALK_SPEED_KPH = 4.5

# ambulances under lights and sirens run about 20 % faster than normal traffic; a planning
# assumption in the 1.2-1.3 range named by the project brief, kept at its conservative end
EMERGENCY_FACTOR = 1.2

# dispatch + turnout: no plan states it (../shared/plans/NORMS.md); 3 minutes is the departure
# target Chinese 120 centres commonly set ("3 分钟出车"), an assumption to override per city
DISPATCH_DELAY_MIN = 3.0

# China Road Traffic Safety Law implementing regulations, art. 78: no road may post more than
# 120 km/h; a maxspeed tag above it is an error or a foreign road, so we cap it there
MAXSPEED_CAP_KPH = 120.0

# urban planning speeds (km/h): lower CJJ 37-2012 design speed of the matching urban class
DRIVE_URBAN_SPEED_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 60.0,  # urban expressway 快速路 60-100
        "motorway_link": 40.0,
        "trunk": 50.0,  # expressway / arterial boundary
        "trunk_link": 30.0,
        "primary": 40.0,  # arterial 主干路 40-60
        "primary_link": 30.0,
        "secondary": 30.0,  # sub-arterial 次干路 30-50
        "secondary_link": 25.0,
        "tertiary": 25.0,  # between sub-arterial and branch
        "tertiary_link": 20.0,
        "unclassified": 20.0,  # branch 支路 20-40
        "residential": 20.0,
        "road": 20.0,
        "living_street": 10.0,  # shared space: walking pace of the street's users
        "service": 15.0,
    }
)

# rural planning speeds (km/h): middle JTG B01-2014 design speed of the matching highway grade
DRIVE_RURAL_SPEED_KPH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 100.0,  # expressway 高速公路 80-120
        "motorway_link": 60.0,
        "trunk": 80.0,  # grade I 一级公路 60-100
        "trunk_link": 50.0,
        "primary": 70.0,  # grade I / II
        "primary_link": 40.0,
        "secondary": 60.0,  # grade II 二级公路 60-80
        "secondary_link": 40.0,
        "tertiary": 40.0,  # grade III 三级公路 30-40
        "tertiary_link": 30.0,
        "unclassified": 30.0,  # grade IV 四级公路 20-30
        "residential": 30.0,
        "road": 30.0,
        "living_street": 15.0,
        "service": 20.0,
    }
)

# a drivable class missing from the tables (e.g. a new OSM value) drives like a branch road
FALLBACK_DRIVE_SPEED_KPH = 20.0


@dataclass(frozen=True, eq=False)
class TravelModel:
    """How fast each edge is traversed in one mode.

    Attributes
    ----------
    mode
        ``walk``, ``drive`` or ``ems``.
    urban_speed_kph
        Speed by OSM ``highway`` class on urban edges, km/h.
    rural_speed_kph
        Speed by OSM ``highway`` class on rural edges, km/h.
    fallback_speed_kph
        Speed of a class missing from the tables, km/h.
    use_maxspeed
        Whether a parseable ``maxspeed`` tag replaces the table speed.
    maxspeed_cap_kph
        Upper bound applied to ``maxspeed`` values, km/h.
    speed_factor
        Multiplier applied to every speed after the tables (the emergency factor for ``ems``).
    dispatch_delay_s
        Delay added once to every trip, seconds (dispatch and turnout for ``ems``).
    congestion_scale
        Per-way speed multipliers, keyed by OSM way id.
    congestion_speed_kph
        Per-way absolute speeds, km/h, keyed by OSM way id.
    """

    mode: str
    urban_speed_kph: Mapping[str, float]
    rural_speed_kph: Mapping[str, float]
    fallback_speed_kph: float
    use_maxspeed: bool
    maxspeed_cap_kph: float
    speed_factor: float
    dispatch_delay_s: float
    congestion_scale: Mapping[int, float] = field(default_factory=dict)
    congestion_speed_kph: Mapping[int, float] = field(default_factory=dict)

    def cache_key(self) -> tuple[object, ...]:
        """A hashable summary of every field, used to cache per-model edge weights."""
        return (
            self.mode,
            tuple(sorted(self.urban_speed_kph.items())),
            tuple(sorted(self.rural_speed_kph.items())),
            self.fallback_speed_kph,
            self.use_maxspeed,
            self.maxspeed_cap_kph,
            self.speed_factor,
            tuple(sorted(self.congestion_scale.items())),
            tuple(sorted(self.congestion_speed_kph.items())),
        )

    def edge_speed_kph(
        self,
        road_class: NDArray[np.int16],
        road_classes: Sequence[str],
        *,
        maxspeed_kph: NDArray[np.float64],
        way_id: NDArray[np.int64],
        urban: NDArray[np.bool_],
    ) -> NDArray[np.float64]:
        """Speed of each edge, km/h.

        Parameters
        ----------
        road_class
            Code of each edge's class: an index into ``road_classes``.
        road_classes
            OSM ``highway`` values.
        maxspeed_kph
            Posted speed of each edge, km/h, ``nan`` when unknown; used by ``drive``/``ems``.
        way_id
            OSM way id of each edge (``-1`` when unknown), for the congestion tables.
        urban
            Whether each edge lies in an urban area (urban table) or not (rural table).

        Returns
        -------
        numpy.ndarray
            Speed of each edge, km/h, always > 0.
        """
        urban_table = np.array(
            [self.urban_speed_kph.get(c, self.fallback_speed_kph) for c in road_classes] or [0.0]
        )
        rural_table = np.array(
            [self.rural_speed_kph.get(c, self.fallback_speed_kph) for c in road_classes] or [0.0]
        )
        speed = np.where(urban, urban_table[road_class], rural_table[road_class])
        if self.use_maxspeed:
            known = np.isfinite(maxspeed_kph) & (maxspeed_kph > 0)
            speed = np.where(known, np.minimum(maxspeed_kph, self.maxspeed_cap_kph), speed)
        # congestion: absolute speeds first, then multipliers (r5r applies one row per way)
        if self.congestion_speed_kph:
            ids = np.fromiter(self.congestion_speed_kph.keys(), dtype=np.int64)
            values = np.fromiter(self.congestion_speed_kph.values(), dtype=float)
            speed = _apply_per_way(speed, way_id, ids, values, replace=True)
        if self.congestion_scale:
            ids = np.fromiter(self.congestion_scale.keys(), dtype=np.int64)
            values = np.fromiter(self.congestion_scale.values(), dtype=float)
            speed = _apply_per_way(speed, way_id, ids, values, replace=False)
        return np.asarray(speed * self.speed_factor, dtype=np.float64)


def _apply_per_way(
    speed: NDArray[np.float64],
    way_id: NDArray[np.int64],
    ids: NDArray[np.int64],
    values: NDArray[np.float64],
    *,
    replace: bool,
) -> NDArray[np.float64]:
    # sorted lookup: vectorised dictionary access for every edge at once
    order = np.argsort(ids)
    ids, values = ids[order], values[order]
    pos = np.clip(np.searchsorted(ids, way_id), 0, max(ids.size - 1, 0))
    hit = ids[pos] == way_id
    out = speed.copy()
    out[hit] = values[pos[hit]] if replace else speed[hit] * values[pos[hit]]
    return out


def travel_model(
    mode: str,
    *,
    speed_kph: Mapping[str, float] | None = None,
    rural_speed_kph: Mapping[str, float] | None = None,
    walk_speed_kph: float = WALK_SPEED_KPH,
    emergency_factor: float = EMERGENCY_FACTOR,
    dispatch_delay_min: float = DISPATCH_DELAY_MIN,
    use_maxspeed: bool = True,
    maxspeed_cap_kph: float = MAXSPEED_CAP_KPH,
    congestion: Mapping[int, float] | None = None,
    congestion_speed_kph: Mapping[int, float] | None = None,
) -> TravelModel:
    """Build the travel model of one mode from the documented defaults plus overrides.

    Parameters
    ----------
    mode
        ``walk``, ``drive`` or ``ems``.
    speed_kph
        Overrides of the urban speed table by ``highway`` class, km/h (for ``walk``: of the
        single walking speed per class). Classes not given keep their defaults.
    rural_speed_kph
        Overrides of the rural table, km/h; for ``walk`` it defaults to the urban table.
    walk_speed_kph
        Walking speed on every class, km/h (``walk`` only).
    emergency_factor
        Multiplier of drive speeds for ``ems``.
    dispatch_delay_min
        Dispatch and turnout delay added once per trip for ``ems``, minutes.
    use_maxspeed
        Whether posted ``maxspeed`` values replace table speeds (``drive``/``ems``).
    maxspeed_cap_kph
        Upper bound of posted speeds, km/h.
    congestion
        Speed multipliers by OSM way id (``drive``/``ems``), each > 0.
    congestion_speed_kph
        Absolute speeds by OSM way id, km/h (``drive``/``ems``), each > 0.

    Returns
    -------
    TravelModel
        The model; pass it to :meth:`geo.network.Network.travel_time_s` or the coverage functions.
    """
    check_mode(mode)
    _check_positive({"walk_speed_kph": walk_speed_kph, "emergency_factor": emergency_factor})
    _check_positive({"maxspeed_cap_kph": maxspeed_cap_kph})
    if not math.isfinite(dispatch_delay_min) or dispatch_delay_min < 0:
        raise SpeedTableError.worded(
            "input.common.minutes", field="dispatch_delay_min", value=dispatch_delay_min
        )
    urban_override = dict(speed_kph or {})
    rural_override = dict(rural_speed_kph or {})
    _check_positive(urban_override)
    _check_positive(rural_override)
    if mode == "walk":
        # one pedestrian speed everywhere; overrides may slow e.g. ``steps``
        walk_table = dict.fromkeys(DRIVE_URBAN_SPEED_KPH, walk_speed_kph) | urban_override
        return TravelModel(
            mode=mode,
            urban_speed_kph=MappingProxyType(walk_table),
            rural_speed_kph=MappingProxyType(walk_table | rural_override),
            fallback_speed_kph=walk_speed_kph,
            use_maxspeed=False,
            maxspeed_cap_kph=maxspeed_cap_kph,
            speed_factor=1.0,
            dispatch_delay_s=0.0,
        )
    scale = {int(k): float(v) for k, v in (congestion or {}).items()}
    absolute = {int(k): float(v) for k, v in (congestion_speed_kph or {}).items()}
    _check_positive({f"congestion[{k}]": v for k, v in scale.items()})
    _check_positive({f"congestion_speed_kph[{k}]": v for k, v in absolute.items()})
    is_ems = mode == "ems"
    return TravelModel(
        mode=mode,
        urban_speed_kph=MappingProxyType(dict(DRIVE_URBAN_SPEED_KPH) | urban_override),
        rural_speed_kph=MappingProxyType(dict(DRIVE_RURAL_SPEED_KPH) | rural_override),
        fallback_speed_kph=FALLBACK_DRIVE_SPEED_KPH,
        use_maxspeed=use_maxspeed,
        maxspeed_cap_kph=maxspeed_cap_kph,
        speed_factor=emergency_factor if is_ems else 1.0,
        dispatch_delay_s=dispatch_delay_min * 60.0 if is_ems else 0.0,
        congestion_scale=MappingProxyType(scale),
        congestion_speed_kph=MappingProxyType(absolute),
    )


def _check_positive(values: Mapping[str, float]) -> None:
    for name, value in values.items():
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise SpeedTableError.worded("input.common.positive", field=name, value=value)
