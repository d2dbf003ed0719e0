"""Capacities of synthetic facilities: beds, staff, ICU beds and the ambulance fleet.

Primary care and EMS sites get fixed, plausible sizes drawn per facility; hospitals share what is
left of the city's totals (stated or estimated in the inventory) in proportion to a base size by
grade and type, so the city's totals come out exact whenever primary care does not exceed them.
"""

from collections.abc import Mapping, Sequence

import numpy as np

from geo.demo.placement import apportion
from geo.demo.rows import GRADE_RANK, Row

# base beds by grade: inside the bands of 医疗机构基本标准（试行） (1994): grade I 20–99 beds,
# grade II 100–499, grade III 500 or more; ungraded hospitals are smaller than grade I
BASE_BEDS = {"tertiary": 800.0, "secondary": 250.0, "primary": 60.0, "none": 25.0}
# relative size of a hospital type at the same grade (illustrative assumption)
TYPE_BED_FACTOR = {
    "general_hospital": 1.0,
    "tcm_hospital": 0.7,
    "maternal_child_hospital": 0.5,
    "specialty_hospital": 0.5,
    "psychiatric_hospital": 0.8,
}
# GPs work mostly in general and TCM hospitals' GP departments (illustrative weight elsewhere)
GP_TYPE_WEIGHT = {"general_hospital": 1.0, "tcm_hospital": 1.0}
OTHER_GP_WEIGHT = 0.2
# ICU beds per bed; the norm asks 2–5 % (Yueyang 000 L230), the draw lets some hospitals fall short
ICU_SHARE = (0.01, 0.05)
# township health centre beds per 1,000 residents served: 0.6–1.2 (乡镇卫生院建设标准, 建标
# 107-2008), kept within 10–99 beds (a grade-I-sized centre; illustrative bounds)
THC_BEDS_PER_1000 = (0.6, 1.2)
THC_BEDS_RANGE = (10, 99)
# community health centres: at most 50 beds (城市社区卫生服务中心基本标准, 2006); stations and
# village clinics have no inpatient beds (城市社区卫生服务站基本标准, 2006)
CHC_MAX_BEDS = 50
# per-facility GP draws straddle the norm of >= 4 GPs per THC / street CHC (000 L318), so the demo
# has passes and fails
THC_GP_RANGE = (1, 7)
CHC_GP_RANGE = (2, 10)
# negative-pressure share drawn per county-level unit; the city's share stays below the 40 % norm
# (000 L216) because the demo shows the 2020 state, before that norm's fleet renewal
NEGATIVE_PRESSURE_SHARE = (0.1, 0.5)
NEGATIVE_PRESSURE_NORM = 0.4

STAFF_FIELDS = ("physicians", "nurses", "general_practitioners", "pharmacists")


def assign_capacities(
    rows: Sequence[Row], targets: Mapping[str, int], rng: np.random.Generator
) -> None:
    """Fill beds, staff and ICU beds of every row in place.

    Parameters
    ----------
    rows
        The synthetic facilities.
    targets
        Per field of ``beds`` and :data:`STAFF_FIELDS`, the city total the synthetic facilities
        should reach (the inventory minus what existing facilities are known to have).
    rng
        Source of randomness.
    """
    for row in rows:
        if not row.is_hospital:
            _size_primary(row, rng)
    hospitals = [row for row in rows if row.is_hospital]
    if not hospitals:
        return
    # ±30 % jitter so that hospitals of one grade and type differ (illustrative)
    base = np.array(
        [BASE_BEDS[h.grade] * TYPE_BED_FACTOR[h.type] * rng.uniform(0.7, 1.3) for h in hospitals]
    )
    beds = apportion(_left(rows, targets, "beds"), base)
    # staff follow beds; the +1 keeps a hospital whose share of beds rounded to 0 in the split
    weight = beds.astype(np.float64) + 1.0
    gp_weight = weight * np.array([GP_TYPE_WEIGHT.get(h.type, OTHER_GP_WEIGHT) for h in hospitals])
    staff = {
        "physicians": apportion(_left(rows, targets, "physicians"), weight),
        "nurses": apportion(_left(rows, targets, "nurses"), weight),
        "general_practitioners": apportion(
            _left(rows, targets, "general_practitioners"), gp_weight
        ),
        "pharmacists": apportion(_left(rows, targets, "pharmacists"), weight),
    }
    for i, h in enumerate(hospitals):
        h.beds = int(beds[i])
        for name, values in staff.items():
            setattr(h, name, int(values[i]))
        if h.type in GP_TYPE_WEIGHT and GRADE_RANK[h.grade] >= GRADE_RANK["secondary"]:
            h.icu_beds = min(h.beds, round(h.beds * rng.uniform(*ICU_SHARE)))


def _left(rows: Sequence[Row], targets: Mapping[str, int], name: str) -> int:
    fixed = sum(getattr(row, name) for row in rows if not row.is_hospital)
    return max(0, int(targets[name]) - int(fixed))


def _size_primary(row: Row, rng: np.random.Generator) -> None:
    """Size a non-hospital facility; staff draws are illustrative assumptions, not standards."""
    served = row.catchment
    if row.type == "township_health_center":
        beds = round(served * rng.uniform(*THC_BEDS_PER_1000) / 1000)
        row.beds = int(np.clip(beds, *THC_BEDS_RANGE))
        row.physicians = int(np.clip(round(served * rng.uniform(0.4, 0.7) / 1000), 3, 40))
        row.nurses = round(row.physicians * rng.uniform(0.7, 1.1))
        row.general_practitioners = int(rng.integers(*THC_GP_RANGE))
        row.pharmacists = int(rng.integers(1, 4))
    elif row.type == "community_health_center":
        row.beds = int(rng.integers(0, CHC_MAX_BEDS + 1))
        row.physicians = int(np.clip(round(served * rng.uniform(0.3, 0.5) / 1000), 5, 40))
        row.nurses = round(row.physicians * rng.uniform(0.8, 1.2))
        row.general_practitioners = int(rng.integers(*CHC_GP_RANGE))
        row.pharmacists = int(rng.integers(1, 4))
    elif row.type == "community_health_station":
        row.physicians = int(rng.integers(1, 4))
        row.nurses = int(rng.integers(1, 4))
        row.general_practitioners = int(rng.integers(0, 3))
        row.pharmacists = int(rng.integers(0, 2))
    elif row.type == "village_clinic":
        # most village doctors are not licensed (assistant) physicians
        row.physicians = int(rng.integers(0, 2))
    elif row.type == "ems_center":
        scale = 2 if row.role == "city" else 1
        row.physicians = scale * int(rng.integers(6, 21))
        row.nurses = scale * int(rng.integers(6, 21))
    elif row.type == "ems_station":
        row.physicians = int(rng.integers(2, 5))
        row.nurses = int(rng.integers(2, 5))


def assign_fleet(
    rows: Sequence[Row],
    region_population: Mapping[str, float],
    total: int,
    rng: np.random.Generator,
) -> None:
    """Share ``total`` ambulances over the EMS sites, by the residents of each site's unit.

    Parameters
    ----------
    rows
        The synthetic facilities; those with ``ems_weight > 0`` are EMS sites.
    region_population
        Residents per county-level unit, in the order units are served (most populous first).
    total
        Ambulances to share.
    rng
        Source of randomness (the negative-pressure share of each unit).

    Notes
    -----
    Sharing by residents, not by the norm's 300 % county base (000 L216), leaves districts close
    to the norm and counties well short of it, the typical 2020 picture the demo should show.
    """
    sites = [row for row in rows if row.ems_weight > 0]
    if not sites or total <= 0:
        return
    served = [code for code in region_population if any(s.region == code for s in sites)]
    per_region = apportion(total, np.array([region_population[c] for c in served], dtype=float))
    for code, n in zip(served, per_region, strict=True):
        here = [s for s in sites if s.region == code]
        fleet = apportion(int(n), np.array([s.ems_weight for s in here], dtype=float))
        share = rng.uniform(*NEGATIVE_PRESSURE_SHARE)
        for site, count in zip(here, fleet, strict=True):
            site.ambulances = int(count)
            site.negative_pressure_ambulances = int(np.floor(count * share))
    # keep the city's share under the norm: trim the largest negative-pressure fleets
    while sum(s.negative_pressure_ambulances for s in sites) >= NEGATIVE_PRESSURE_NORM * total:
        top = max(sites, key=lambda s: s.negative_pressure_ambulances)
        if top.negative_pressure_ambulances == 0:
            break
        top.negative_pressure_ambulances -= 1
