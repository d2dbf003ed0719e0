"""How a site optimisation answers: where each site lies, and the result in plain words.

Each chosen site gets its county-level unit (the unit of the nearest resident cell) and its
nearest drivable road (the highest road class at the nearest drive node, and how far that node
is). The gap between the objective and the proven bound, and what the result means, are put in
plain Chinese and English sentences for the planner who signs the plan.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.services.inputs import CityInputs
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
_ROAD_ZH = {
    "motorway": "高速公路",
    "trunk": "国道/快速路",
    "primary": "主干道",
    "secondary": "次干道",
    "tertiary": "支路",
    "unclassified": "乡村道路",
    "residential": "居民区道路",
    "living_street": "生活街道",
    "service": "辅路",
}
# the register's facility types in Chinese (as the map names them, app/static/js/i18n.js)
_TYPE_ZH = {
    "general_hospital": "综合医院",
    "tcm_hospital": "中医医院",
    "maternal_child_hospital": "妇幼保健院",
    "specialty_hospital": "专科医院",
    "psychiatric_hospital": "精神病医院",
    "township_health_center": "乡镇卫生院",
    "community_health_center": "社区卫生服务中心",
    "community_health_station": "社区卫生服务站",
    "village_clinic": "村卫生室",
    "ems_center": "急救中心",
    "ems_station": "急救站",
    "childcare_institution": "托育机构",
    "mental_rehab_institution": "社区精神康复机构",
    "blood_collection_point": "采血点",
}
_MODEL_ZH = {
    "lscp": "最少站点全覆盖",
    "mclp": "最大覆盖",
    "pmedian": "总出行最短",
    "ems": "急救站与车辆",
}


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
    return "无" if road is None else _ROAD_ZH.get(road, road)


def gap_words(result: LocationResult) -> tuple[str, str]:
    """The gap between the objective and the proven bound, in Chinese and English."""
    if result.exact or result.gap == 0.0:
        return "已证明为最优解。", "Proven optimal."
    pct = result.gap * 100.0
    shown = f"{pct:.1f}" if pct >= 0.1 else "0.1"
    if result.model == "mclp":
        zh = (
            f"未证明最优，但任何方案最多只能多覆盖 {result.bound - result.objective:,.0f} 人"
            f"（与上界相差不超过 {shown}%）。"
        )
        en = (
            f"Not proven optimal, but no choice of sites covers more than "
            f"{result.bound - result.objective:,.0f} residents more (within {shown}% of the bound)."
        )
    elif result.model == "lscp":
        zh = (
            f"未证明最优：至少需要 {result.bound:,.0f} 个站点，"
            f"本方案用 {result.objective:,.0f} 个。"
        )
        en = (
            f"Not proven optimal: at least {result.bound:,.0f} sites are needed; "
            f"this plan uses {result.objective:,.0f}."
        )
    else:
        zh = f"未证明最优：总出行量与下界相差不超过 {shown}%。"
        en = f"Not proven optimal: total travel is within {shown}% of the lower bound."
    return zh, en


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
    share_before = before / total * 100.0 if total > 0 else 0.0
    share_after = after / total * 100.0 if total > 0 else 0.0
    zh = (
        f"{_MODEL_ZH.get(model, model)}：在 {n_candidates:,} 个候选点中选出 {n_sites} 处新建"
        f"（{_TYPE_ZH.get(site_type, site_type)}），按新增覆盖人数排序。"
        f"达标居民由 {before:,.0f} 人（{share_before:.1f}%）"
        f"增至 {after:,.0f} 人（{share_after:.1f}%），仍有 {total - after:,.0f} 人未达标"
    )
    en = (
        f"{model}: {n_sites} new site(s) ({site_type}) out of {n_candidates:,} candidates, ranked "
        f"by the residents each adds. Residents within the norm go from {before:,.0f} "
        f"({share_before:.1f}%) to {after:,.0f} ({share_after:.1f}%); {total - after:,.0f} "
        "remain beyond it"
    )
    if unreachable > 0:
        zh += f"，其中 {unreachable:,.0f} 人任何候选点都无法覆盖"
        en += f", of whom {unreachable:,.0f} no candidate can reach"
    return zh + "。", en + "."
