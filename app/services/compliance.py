"""Compliance runs: every norm of a city's plan checked on its network, facilities and residents.

A run reads the city's inputs (:mod:`app.services.inputs`: regions, facilities with locations,
population cells and road network from PostGIS), evaluates every rule of the city's catalogue with
``geo.norms`` (snapping cells and facilities once, one multi-source search per facility set and
mode), and stores the rule × region results with its inputs and timings. The run is keyed by a
fingerprint of what it read; a later check with the same fingerprint returns the stored run, so
results are recomputed only when the catalogue, the network, the facilities, the population cells
or the regions change.

A run may read the facilities through a :class:`~app.services.inputs.FacilityOverlay` (a
scenario's changes applied in memory): the same code evaluates the baseline and a scenario.
"""

import csv
import io
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Integer, Text, bindparam, cast, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from app.db.models import EvaluationResult, EvaluationRun
from app.errors import ConflictError
from app.schemas.compliance import (
    ComplianceReport,
    ComplianceResult,
    DataBasisPublic,
    DataGapPublic,
    PlanPublic,
)
from app.schemas.norms import BaselinePublic, CitationPublic
from app.services import road_files, stored_runs
from app.services._tx import transaction
from app.services.data_basis import data_basis
from app.services.inputs import (
    CityInputs,
    FacilityOverlay,
    PreparedCity,
    prepare_city,
    read_city_inputs,
)
from app.services.norms import NormCatalogues
from app.settings import Settings
from geo import messages
from geo.norms import (
    SPATIAL_KINDS,
    Catalogue,
    DataGap,
    Rule,
    RuleResult,
    Status,
    catalogue_data_gaps,
    evaluate_rule,
    evaluate_spatial_rule,
)

# (what is being done, steps done, steps in all)
Progress = Callable[[str, int, int], None]

CSV_COLUMNS = (
    "region_adcode",
    "region_name",
    "rule_id",
    "kind",
    "value",
    "target",
    "passed",
    "shortfall",
    "shortfall_unit",
    "unit",
    "shortfall_text",
    "citation_document",
    "citation_lines",
    "citation_quote",
    # what the verdict rests on (added after the columns above, which keep their places)
    "status",
    "title_zh",
    "title_en",
    "binding",
    "year",
    "baseline_value",
    "baseline_year",
    "target_scope",
    "unknown_facilities",
    "shortfall_text_zh",
    "interpretation",
    "plan_title_zh",
    "document_number",
)
# the second block of the CSV: norms the register cannot evaluate, once each
DATA_GAP_COLUMNS = (
    "data_gap_rule_id",
    "title_zh",
    "title_en",
    "kind",
    "binding",
    "year",
    "needs",
    "data_gap",
    "citation_document",
    "citation_lines",
    "citation_quote",
)
STATUSES = tuple(status.value for status in Status)

# a run's result rows; the gap cells come as PostgreSQL array text (see _array_literal)
_INSERT_RESULTS = insert(EvaluationResult.metadata.tables[EvaluationResult.__tablename__]).values(
    gap_cell_ids=cast(bindparam("gap_cells", type_=Text), ARRAY(Integer))
)


def _no_progress(_: str, __: int, ___: int) -> None:
    return None


def _evaluate(
    catalogue: Catalogue, inputs: CityInputs, progress: Progress, *, done: int, total: int
) -> tuple[list[RuleResult], list[str | None], dict[str, float]]:
    """Every rule of the catalogue; per row the ids of the cells it finds underserved."""
    rows: list[RuleResult] = []
    gaps: list[str | None] = []
    seconds: dict[str, float] = {}
    city = catalogue.city_adcode
    for step, rule in enumerate(catalogue.rules, start=done):
        progress(f"checking {rule.id}", step, total)
        # data-gap rules are listed once per city in the report, never as per-region rows
        if rule.data_gap is not None:
            continue
        start = time.perf_counter()
        if rule.kind in SPATIAL_KINDS:
            outcome = evaluate_spatial_rule(rule, inputs.regions, inputs.context, city_adcode=city)
            underserved = outcome.counted & ~outcome.covered
            rows.extend(outcome.results)
            gaps.extend(_gap_cells(outcome.results, inputs, underserved, city))
        else:
            # catchment rules take their catchments from the same network context
            results = evaluate_rule(
                rule, inputs.regions, inputs.facilities, city_adcode=city, spatial=inputs.context
            )
            rows.extend(results)
            gaps.extend([None] * len(results))
        seconds[rule.id] = round(time.perf_counter() - start, 4)
    return rows, gaps, seconds


def _gap_cells(
    results: Sequence[RuleResult], inputs: CityInputs, underserved: np.ndarray, city: str
) -> list[str | None]:
    # units keep their own cells; the city row keeps them only when no unit has a row (a
    # county-level city such as Jishou, or a rule for the city alone)
    has_units = any(r.region_adcode != city for r in results)
    codes = inputs.context.points.region_adcode
    out: list[str | None] = []
    for result in results:
        if result.region_adcode == city:
            cells = None if has_units else inputs.cell_ids[underserved]
        else:
            cells = inputs.cell_ids[underserved & (codes == result.region_adcode)]
        out.append(None if cells is None else _array_literal(cells))
    return out


def _array_literal(cells: np.ndarray) -> str:
    """Cell ids as PostgreSQL's array text (``{1,2,3}``): a city's hundred thousand gap cells
    are sent as one string, not adapted one Python int at a time."""
    return "{" + ",".join(map(str, cells.tolist())) + "}"


def _store(
    session: Session,
    prepared: PreparedCity,
    rows: Sequence[RuleResult],
    gaps: Sequence[str | None],
    timings: dict[str, Any],
) -> EvaluationRun | None:
    """Insert the run and its rows; None when another check stored the same inputs first."""
    run = EvaluationRun(
        city_adcode=prepared.city.adcode,
        fingerprint=prepared.fingerprint,
        catalogue_sha256=prepared.inputs["catalogue"]["sha256"],
        network_id=prepared.network.id,
        synthetic=prepared.synthetic,
        inputs=prepared.inputs,
        timings=timings,
        n_results=len(rows),
    )
    try:
        with transaction(session):
            session.add(run)
            session.flush()
            # the rows in one statement (one shape for every row: a NULL gap casts to NULL),
            # not one ORM object each
            session.execute(
                _INSERT_RESULTS,
                [
                    {
                        "run_id": run.id,
                        "idx": idx,
                        "region_adcode": row.region_adcode,
                        "region_name": row.region_name,
                        "rule_id": row.rule_id,
                        "kind": row.kind.value,
                        "value": row.value,
                        "target": row.target,
                        "passed": row.passed,
                        "shortfall": row.shortfall,
                        "shortfall_unit": row.shortfall_unit,
                        "shortfall_text": row.shortfall_text,
                        "unit": row.unit,
                        "citations": [c.model_dump(mode="json") for c in row.citations],
                        "status": row.outcome.value,
                        "details": {
                            "shortfall_text_zh": row.shortfall_text_zh,
                            "unknown_facilities": row.unknown_facilities,
                        },
                        "gap_cells": gap,
                    }
                    for idx, (row, gap) in enumerate(zip(rows, gaps, strict=True))
                ],
            )
            session.refresh(run)
    except IntegrityError:
        # the transaction (or savepoint) was rolled back: the stored run is the other one
        return None
    return run


def _find_run(session: Session, prepared: PreparedCity) -> EvaluationRun | None:
    with transaction(session):
        return session.scalars(
            select(EvaluationRun).where(
                EvaluationRun.city_adcode == prepared.city.adcode,
                EvaluationRun.fingerprint == prepared.fingerprint,
            )
        ).first()


def _inputs_basis(
    session: Session, city_adcode: str, network_id: int
) -> tuple[DataBasisPublic | None, float | None]:
    """What a report says of its inputs: the data basis, and the share of residents on real
    roads of network ``network_id``."""
    # in a transaction of its own: a query outside one would open a transaction that no
    # service commits, and the run's later notes (stored_runs.remember) would be lost
    with transaction(session):
        return (
            data_basis(session, city_adcode),
            road_files.network_real_road_share(session, city_adcode, network_id),
        )


def _report(
    session: Session,
    run: EvaluationRun,
    prepared: PreparedCity,
    *,
    reused: bool,
    basis: tuple[DataBasisPublic | None, float | None] | None = None,
) -> ComplianceReport:
    """The run's report; ``basis`` as :func:`_inputs_basis` gives it (read here when None)."""
    if basis is None:
        basis = _inputs_basis(session, prepared.city.adcode, run.network_id)
    inputs_basis, real_road_share = basis
    with transaction(session):
        rows = session.scalars(
            select(EvaluationResult)
            .where(EvaluationResult.run_id == run.id)
            .order_by(EvaluationResult.idx)
            # the gap cells are the map's and the export's, not the report's
            .options(defer(EvaluationResult.gap_cell_ids))
        ).all()
        catalogue = prepared.catalogue
        rules = {rule.id: rule for rule in catalogue.rules}
        results = [_result_public(row, rules.get(row.rule_id), catalogue) for row in rows]
    counts = {status: sum(r.status == status for r in results) for status in STATUSES}
    return ComplianceReport(
        city=prepared.city.adcode,
        city_name=prepared.city.name,
        scenario_id=prepared.overlay.scenario_id if prepared.overlay else None,
        run_id=run.id,
        created_at=run.created_at,
        reused=reused,
        synthetic=run.synthetic,
        network_id=run.network_id,
        real_road_share=real_road_share,
        timings=run.timings,
        plan=PlanPublic(
            document=catalogue.document,
            plan_title_zh=catalogue.plan_title_zh,
            plan_title_en=catalogue.plan_title_en,
            document_number=catalogue.document_number,
            issuer_zh=catalogue.issuer_zh,
        ),
        counts=counts,
        results=results,
        data_gaps=[_data_gap_public(gap) for gap in catalogue_data_gaps(catalogue)],
        basis=inputs_basis,
    )


def _data_gap_public(gap: DataGap) -> DataGapPublic:
    # the reader fields are Chinese here; ComplianceReport.for_reader words them in the asked one
    fields = gap.to_dict()
    return DataGapPublic.model_validate(
        {
            **fields,
            "data_gap": gap.data_gap.zh,
            "data_gap_zh": gap.data_gap.zh,
            "data_gap_en": gap.data_gap.en,
            "needs_labels": [messages.need_label(need, "zh") for need in gap.needs],
            "interpretation": gap.interpretation.zh if gap.interpretation else None,
            "interpretation_zh": gap.interpretation.zh if gap.interpretation else None,
            "interpretation_en": gap.interpretation.en if gap.interpretation else None,
        }
    )


def _result_public(
    row: EvaluationResult, rule: Rule | None, catalogue: Catalogue
) -> ComplianceResult:
    # the rule's context comes from the catalogue the run was fingerprinted with
    plan = catalogue.plan.as_dict()
    citations = [CitationPublic.model_validate({**c, **plan}) for c in row.citations]
    details = row.details or {}
    passed_status = "unknown" if row.passed is None else ("pass" if row.passed else "fail")
    reading = rule.interpretation if rule else None
    return ComplianceResult(
        region_adcode=row.region_adcode,
        region_name=row.region_name,
        rule_id=row.rule_id,
        kind=row.kind,
        value=row.value,
        target=row.target,
        passed=row.passed,
        shortfall=row.shortfall,
        shortfall_unit=row.shortfall_unit,
        shortfall_text=row.shortfall_text,
        unit=row.unit,
        citation=citations[0],
        citations=citations,
        status=row.status or passed_status,
        shortfall_text_zh=details.get("shortfall_text_zh"),
        unknown_facilities=int(details.get("unknown_facilities") or 0),
        title_zh=rule.title_zh if rule else row.rule_id,
        title_en=rule.title_en if rule else row.rule_id,
        binding=None if rule is None or rule.binding is None else rule.binding.value,
        year=rule.year if rule else None,
        baseline=(
            None
            if rule is None or rule.baseline is None
            else BaselinePublic.model_validate(rule.baseline.model_dump(mode="json"))
        ),
        target_scope=rule.scope_of_target.value if rule else "unit",
        interpretation=reading.zh if reading else None,
        interpretation_zh=reading.zh if reading else None,
        interpretation_en=reading.en if reading else None,
    )


def run_compliance(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    norms: NormCatalogues,
    progress: Progress | None = None,
    overlay: FacilityOverlay | None = None,
) -> ComplianceReport:
    """Check every norm of the city's plan in every region it applies to; reuse a stored run.

    Parameters
    ----------
    session
        A database session; the service opens its own transactions (savepoints inside one).
    settings
        Service settings (the network cache folder).
    city_adcode
        The city a plan governs (a prefecture, or Jishou 433101).
    norms
        The plans' catalogues.
    progress
        Called with (step description, steps done, steps in all) as the run goes.
    overlay
        A scenario's changes, applied in memory to the register's facilities (which are never
        written); None: the baseline.

    Returns
    -------
    ComplianceReport
        The run id, whether it was reused, and every rule × region result with its citation.

    Raises
    ------
    NotFoundError
        Unknown city (run ``fplan load hunan``) or a city without a plan catalogue.
    ConflictError
        No network, population cells or facilities (run ``fplan demo --city …``).
    """
    say = progress or _no_progress
    started = time.perf_counter()
    # read before the fingerprint: a change committed meanwhile gives a newer version, so the run
    # is never taken for the city's at a version whose data it did not see
    version = None
    if overlay is None:
        with transaction(session):
            version = stored_runs.data_version(session)
    prepared = prepare_city(session, city_adcode, norms, overlay)
    stored = _find_run(session, prepared)
    if stored is not None:
        report = _report(session, stored, prepared, reused=True)
        _remember(session, stored, report, version)
        return report

    total = len(prepared.catalogue.rules) + 3
    timings: dict[str, Any] = {}
    # what the report says of the inputs, read first: while the database answers, the search's
    # compiled code goes on loading (app.services.warm), so the wait costs no time of its own
    basis = _inputs_basis(session, prepared.city.adcode, prepared.network.id)
    say("loading the network, facilities and residents", 0, total)
    inputs = read_city_inputs(
        session, settings, prepared.city, prepared.network.id, timings, overlay=overlay
    )
    say("snapping residents and facilities to the network", 1, total)
    start = time.perf_counter()
    for mode in ("walk", "drive"):
        inputs.context.snapped_points(mode)
        inputs.context.snapped_sites(mode)
    timings["snap_s"] = time.perf_counter() - start

    start = time.perf_counter()
    rows, gaps, per_rule = _evaluate(prepared.catalogue, inputs, say, done=2, total=total)
    timings["evaluate_s"] = time.perf_counter() - start
    timings["rules_s"] = per_rule
    say("storing the results", total - 1, total)
    start = time.perf_counter()
    run = _store(session, prepared, rows, gaps, timings)
    reused = run is None
    if run is None:
        run = _find_run(session, prepared)
        if run is None:
            raise ConflictError.worded("error.compliance.not_stored", city=city_adcode)
    else:
        # the timings row is completed once the results are in
        with transaction(session):
            run.timings = {
                **timings,
                "persist_s": time.perf_counter() - start,
                "total_s": time.perf_counter() - started,
            }
    say("done", total, total)
    report = _report(session, run, prepared, reused=reused, basis=basis)
    _remember(session, run, report, version)
    return report


def _remember(
    session: Session, run: EvaluationRun, report: ComplianceReport, version: int | None
) -> None:
    """Note the run as the city's at data ``version`` (and keep its report) for repeated checks
    (:func:`app.services.stored_runs.stored_report`); nothing for a scenario's or when this
    transaction holds uncommitted changes (``version`` None)."""
    if version is None:
        return
    current = run.report_key == stored_runs.report_key()
    if current and run.checked_version == version:
        return
    with transaction(session):
        body = None
        if not current:
            # as a reused run reads (its timings as the database gives them back), but
            # ``reused`` false: a repeated check sets it
            session.refresh(run, ["timings"])
            stored = report.model_copy(update={"reused": False, "timings": run.timings})
            body = stored.model_dump_json()
        stored_runs.remember(session, run.id, version=version, report=body)


def report_csv(report: ComplianceReport) -> str:
    """The results as CSV, one row per rule and region, with the primary citation.

    The interpretation, the data gaps and what they need are in the reader's language of
    ``report`` (:meth:`~app.schemas.compliance.ComplianceReport.for_reader`). A second block,
    after one empty line, lists the norms the register cannot evaluate (``DATA_GAP_COLUMNS``),
    once each.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.results:
        writer.writerow(
            [
                r.region_adcode,
                r.region_name,
                r.rule_id,
                r.kind,
                "" if r.value is None else repr(r.value),
                "" if r.target is None else repr(r.target),
                "" if r.passed is None else str(r.passed).lower(),
                "" if r.shortfall is None else repr(r.shortfall),
                r.shortfall_unit,
                r.unit,
                r.shortfall_text,
                r.citation.document,
                r.citation.lines,
                r.citation.quote,
                r.status,
                r.title_zh,
                r.title_en,
                r.binding or "",
                "" if r.year is None else r.year,
                "" if r.baseline is None else repr(r.baseline.value),
                "" if r.baseline is None else r.baseline.year,
                r.target_scope,
                r.unknown_facilities,
                r.shortfall_text_zh or "",
                r.interpretation or "",
                report.plan.plan_title_zh,
                report.plan.document_number or "",
            ]
        )
    if report.data_gaps:
        writer.writerow([])
        writer.writerow(DATA_GAP_COLUMNS)
        for gap in report.data_gaps:
            writer.writerow(
                [
                    gap.rule_id,
                    gap.title_zh,
                    gap.title_en,
                    gap.kind,
                    gap.binding or "",
                    "" if gap.year is None else gap.year,
                    "、".join(gap.needs_labels),
                    gap.data_gap,
                    gap.citation.document,
                    gap.citation.lines,
                    gap.citation.quote,
                ]
            )
    return buffer.getvalue()


# ---- gap zones
