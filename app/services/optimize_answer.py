"""How a site optimisation answers: where each site lies, and the result in plain words.

Each chosen site gets its county-level unit (the unit of the nearest resident cell) and its
nearest drivable road (the highest road class at the nearest drive node, and how far that node
is). The gap between the objective and the proven bound, and what the result means, are put in
plain Chinese and English sentences for the planner who signs the plan, from the message
catalogue (:mod:`geo.messages`, keys ``optimize.*`` and ``road.*``).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.services.inputs import CityInputs
from geo import messages
from geo.access.matrix import nearest_straight
from geo.locate import LocationResult
from geo.network.snap import snap_xy
from geo.norms import FacilitySelector

# the site types a new site defaults to when a rule counts them: an EMS rule that counts both
# EMS centres (one 120 centre per city) and stations wants a station
_PREFERRED_TYPES = ("ems_station",)
# OSM highway classes, most important first: the road named for a site is the best one at its node
_ROAD_ORDER = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
)


def default_facility_type(selectors: tuple[FacilitySelector, ...]) -> str:
    """The type a new site gets when none is given: one the rule counts on its own.

    A type of a selector without flags counts as soon as it exists (a hospital counted only
    when it hosts a station does not); among them an EMS station comes before a 120 centre.
    """
    plain = [t.value for s in selectors if not s.flags for t in s.facility_types]
    every = [t.value for s in selectors for t in s.facility_types]
    for preferred in _PREFERRED_TYPES:
        if preferred in plain:
            return preferred
    return (plain or every)[0]


@dataclass(frozen=True)
class Place:
    """Where a site lies: its county-level unit and nearest drivable road."""

    county_adcode: str | None
    county_name: str | None
    road: str | None
    road_m: float | None


def site_places(inputs: CityInputs, x: NDArray[np.float64], y: NDArray[np.float64]) -> list[Place]:
    """Per site (network CRS, metres): the unit of the nearest resident cell and the road."""
    context = inputs.context
    points = context.points
    names = {r.adcode: r.name for r in inputs.regions}
    if x.size == 0:
        return []
    _, cell = nearest_straight(x, y, points.x, points.y)
    net = context.net
    snap = snap_xy(net, x, y, mode="drive", max_snap_m=None)
    drive = net.mode_edges("drive")
    best = _best_road(
        net.n_nodes, drive.tail, drive.head, net.road_class[drive.edge], net.road_classes
    )
    places = []
    for k in range(x.shape[0]):
        adcode = str(points.region_adcode[int(cell[k])])
        node = int(snap.node[k])
        road = best[node] if node >= 0 else None
        places.append(
            Place(
                county_adcode=adcode,
                county_name=names.get(adcode),
                road=road,
                road_m=round(float(snap.distance_m[k]), 1) if node >= 0 else None,
            )
        )
    return places


def _best_road(
    n_nodes: int,
    tail: NDArray[np.int64],
    head: NDArray[np.int64],
    road_class: NDArray[np.int16],
    classes: tuple[str, ...],
) -> list[str | None]:
    """Per node: the most important road class among its edges (None: no edge)."""
    order = {name: i for i, name in enumerate(_ROAD_ORDER)}
    # rank each class code; unknown classes come after the known ones, in code order
    score = np.asarray(
        [order.get(name, len(_ROAD_ORDER) + c) for c, name in enumerate(classes)], dtype=np.int64
    )
    none = len(_ROAD_ORDER) + len(classes)
    rank = np.full(n_nodes, none, dtype=np.int64)
    np.minimum.at(rank, tail, score[road_class])
    np.minimum.at(rank, head, score[road_class])
    name_of = {int(score[c]): classes[c] for c in range(len(classes))}
    return [name_of.get(int(r)) for r in rank]


def road_zh(road: str | None) -> str:
    """The Chinese name of an OSM highway class (the class itself when unknown)."""
    if road is None:
        return messages.text("road.none", "zh")
    return messages.text(f"road.{road}", "zh") if messages.has(f"road.{road}") else road


def gap_words(result: LocationResult) -> tuple[str, str]:
    """The gap between the objective and the proven bound, in Chinese and English."""
    if result.exact or result.gap == 0.0:
        return both_texts("optimize.gap.proven")
    pct = result.gap * 100.0
    shown = f"{pct:.1f}" if pct >= 0.1 else "0.1"
    if result.model == "mclp":
        return both_texts("optimize.gap.mclp", more=result.bound - result.objective, pct=shown)
    if result.model == "lscp":
        return both_texts("optimize.gap.lscp", bound=result.bound, objective=result.objective)
    return both_texts("optimize.gap.pmedian", pct=shown)


def ems_gap_words(*, exact: bool, gap: float) -> tuple[str, str]:
    """The gap of an EMS plan's expected coverage to its bound, in Chinese and English."""
    if exact:
        return both_texts("optimize.gap.proven")
    return both_texts("optimize.gap.ems", pct=f"{max(gap * 100.0, 0.1):.1f}")


def summary_words(
    model: str,
    *,
    n_sites: int,
    n_candidates: int,
    site_type: str,
    total: float,
    before: float,
    after: float,
    unreachable: float,
) -> tuple[str, str]:
    """What the result means, in a Chinese and an English sentence or two."""
    key = "optimize.summary.unreachable" if unreachable > 0 else "optimize.summary"
    fields = {
        "candidates": n_candidates,
        "sites": n_sites,
        "before": before,
        "share_before": before / total * 100.0 if total > 0 else 0.0,
        "after": after,
        "share_after": after / total * 100.0 if total > 0 else 0.0,
        "left": total - after,
        "unreachable": unreachable,
    }
    zh = messages.text(
        key,
        "zh",
        model=messages.label("optimize.model", model, "zh"),
        type=messages.label("facility_type", site_type, "zh"),
        **fields,
    )
    en = messages.text(
        key,
        "en",
        model=messages.label("optimize.model", model, "en"),
        type=site_type,
        **fields,
    )
    return zh, en


def both_texts(key: str, **fields: object) -> tuple[str, str]:
    """The catalogue's message ``key`` in Chinese and in English."""
    return messages.text(key, "zh", **fields), messages.text(key, "en", **fields)
