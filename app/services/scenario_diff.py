"""What a scenario changes against its city's baseline: two stored compliance runs compared.

Row by row: verdict flips, residents brought within reach or left beyond (the runs' gap cells
compared), gap zones that appear or vanish, and the capacities still missing. The quick diff of
one added site is :mod:`app.services.quick_diff`.
"""

from collections.abc import Callable, Sequence

import shapely
from shapely.geometry import mapping
from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.db.models import EvaluationResult, PopulationCell
from app.schemas.compliance import ComplianceReport, ComplianceResult
from app.schemas.scenario import (
    DiffSummary,
    GapChangeCollection,
    GapChangeFeature,
    GapChangeProperties,
    RuleRegionDiff,
    ScenarioDiff,
    StillMissing,
)
from app.services._tx import transaction
from geo.norms import gap_zones

# ---- diff against the baseline


def _flip(before: bool | None, after: bool | None) -> str | None:
    if before == after:
        return None
    if after is None:
        return "to_unknown"
    if before is None:
        return "from_unknown"
    return "fail_to_pass" if after else "pass_to_fail"


def _gap_sets(session: Session, run_id: int) -> dict[tuple[str, str], set[int] | None]:
    rows = session.execute(
        select(
            EvaluationResult.rule_id, EvaluationResult.region_adcode, EvaluationResult.gap_cell_ids
        ).where(EvaluationResult.run_id == run_id)
    ).all()
    return {(r, g): (None if ids is None else set(ids)) for r, g, ids in rows}


def cell_shapes(session: Session, ids: set[int]) -> dict[int, tuple[int, bytes]]:
    """Residents and WKB polygon of each population cell, by id."""
    rows = session.execute(
        select(
            PopulationCell.id, PopulationCell.population, func.ST_AsBinary(PopulationCell.geom)
        ).where(PopulationCell.id == any_(bindparam("ids", sorted(ids), type_=ARRAY(Integer))))
    ).all()
    return {int(i): (int(p), bytes(wkb)) for i, p, wkb in rows}


def compare_runs(
    session: Session,
    baseline: ComplianceReport,
    changed: ComplianceReport,
    *,
    scenario_id: int,
) -> ScenarioDiff:
    """What a scenario's run changes against its city's baseline run.

    Every rule × region with its verdict before and after (and how it flipped), the residents
    each spatial rule brings within reach or leaves beyond, the gap zones that appear or vanish
    (cells compared between the two runs, dissolved per rule and county), and the capacities
    (ambulances, beds …) the scenario still lacks.

    Parameters
    ----------
    session
        Database session (the runs' stored gap cells are read).
    baseline, changed
        The compliance reports of the register and of the scenario.
    scenario_id
        The scenario, echoed in the diff.
    """
    city = changed.city
    with transaction(session):
        gaps_before = _gap_sets(session, baseline.run_id)
        gaps_after = _gap_sets(session, changed.run_id)
        wanted: set[int] = set()
        for key, cells in gaps_before.items():
            other = gaps_after.get(key)
            if cells is not None and other is not None:
                wanted |= cells ^ other
        cells_by_id = cell_shapes(session, wanted)

    def residents(ids: set[int]) -> int:
        return sum(cells_by_id[i][0] for i in ids if i in cells_by_id)

    moved: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
    for key, cells in gaps_before.items():
        other = gaps_after.get(key)
        if cells is not None and other is not None:
            moved[key] = (cells - other, other - cells)

    rows: list[RuleRegionDiff] = []
    before_rows = {(r.rule_id, r.region_adcode): r for r in baseline.results}
    for new in changed.results:
        old = before_rows.get((new.rule_id, new.region_adcode))
        gained, lost = _residents_moved(new, moved, changed.results, residents)
        rows.append(_row_diff(old, new, gained, lost))

    features = _gap_features(moved, cells_by_id, {r.region_adcode: r.region_name for r in rows})
    summary = DiffSummary(
        fail_to_pass=sum(r.flip == "fail_to_pass" for r in rows),
        pass_to_fail=sum(r.flip == "pass_to_fail" for r in rows),
        residents_gained={
            r.rule_id: r.residents_gained
            for r in rows
            if r.region_adcode == city and r.residents_gained is not None
        },
        residents_lost={
            r.rule_id: r.residents_lost
            for r in rows
            if r.region_adcode == city and r.residents_lost is not None
        },
    )
    missing = [
        StillMissing(
            rule_id=new.rule_id,
            region_adcode=new.region_adcode,
            region_name=new.region_name,
            shortfall_unit=new.shortfall_unit,
            before=old.shortfall if old else None,
            after=new.shortfall,
            text=new.shortfall_text,
        )
        for new in changed.results
        if new.shortfall_unit not in ("", "residents")
        and new.shortfall is not None
        and new.shortfall > 0
        for old in [before_rows.get((new.rule_id, new.region_adcode))]
    ]
    return ScenarioDiff(
        scenario_id=scenario_id,
        city=city,
        baseline_run_id=baseline.run_id,
        scenario_run_id=changed.run_id,
        synthetic=baseline.synthetic or changed.synthetic,
        summary=summary,
        rules=rows,
        gaps=GapChangeCollection(type="FeatureCollection", features=features),
        still_missing=missing,
    )


def _residents_moved(
    row: ComplianceResult,
    moved: dict[tuple[str, str], tuple[set[int], set[int]]],
    results: Sequence[ComplianceResult],
    residents: Callable[[set[int]], int],
) -> tuple[int | None, int | None]:
    """Residents a row gains and loses; a city row without its own cells sums its units."""
    key = (row.rule_id, row.region_adcode)
    if key in moved:
        vanished, appeared = moved[key]
        return residents(vanished), residents(appeared)
    # only spatial rules have cells; the city row of one keeps none when its units do
    units = [
        moved[(r.rule_id, r.region_adcode)]
        for r in results
        if r.rule_id == row.rule_id and (r.rule_id, r.region_adcode) in moved
    ]
    if not units:
        return None, None
    return (
        sum(residents(vanished) for vanished, _ in units),
        sum(residents(appeared) for _, appeared in units),
    )


def _row_diff(
    old: ComplianceResult | None, new: ComplianceResult, gained: int | None, lost: int | None
) -> RuleRegionDiff:
    return RuleRegionDiff(
        rule_id=new.rule_id,
        kind=new.kind,
        region_adcode=new.region_adcode,
        region_name=new.region_name,
        unit=new.unit,
        shortfall_unit=new.shortfall_unit,
        value_before=old.value if old else None,
        value_after=new.value,
        passed_before=old.passed if old else None,
        passed_after=new.passed,
        flip=_flip(old.passed if old else None, new.passed),
        shortfall_before=old.shortfall if old else None,
        shortfall_after=new.shortfall,
        residents_gained=gained,
        residents_lost=lost,
    )


def _gap_features(
    moved: dict[tuple[str, str], tuple[set[int], set[int]]],
    cells_by_id: dict[int, tuple[int, bytes]],
    names: dict[str, str],
) -> list[GapChangeFeature]:
    features: list[GapChangeFeature] = []
    for (rule_id, region), (vanished, appeared) in moved.items():
        for change, ids in (("vanished", vanished), ("appeared", appeared)):
            present = [cells_by_id[i] for i in sorted(ids) if i in cells_by_id]
            if not present:
                continue
            geoms = shapely.from_wkb([wkb for _, wkb in present])
            zones = gap_zones(geoms, [people for people, _ in present], [region] * len(present))
            features.extend(
                GapChangeFeature.model_validate(
                    {
                        "type": "Feature",
                        "geometry": mapping(zone.geometry),
                        "properties": GapChangeProperties(
                            rule_id=rule_id,
                            region_adcode=region,
                            region_name=names.get(region, region),
                            change=change,
                            residents=zone.population,
                            cells=zone.n_cells,
                        ),
                    }
                )
                for zone in zones
            )
    return features
