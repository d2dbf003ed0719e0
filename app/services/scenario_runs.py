"""Scenario runs: a scenario's changes as an overlay, and its compliance, gap zones and diff.

The changes stored with a scenario (:mod:`app.services.scenarios`), or a script's unstored
proposal, become a :class:`~app.services.inputs.FacilityOverlay`; the scenario is then evaluated by
the same compliance run as the baseline (its own stored run, keyed by the changes), and
:func:`diff_scenario` compares the two runs.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import Scenario
from app.errors import InvalidInputError
from app.schemas.compliance import ComplianceReport, GapCollection
from app.schemas.scenario import ChangeIn, ScenarioDiff
from app.services import compliance, gaps, scenario_diff
from app.services._tx import transaction
from app.services.auth import Principal
from app.services.inputs import FacilityOverlay, changes_overlay
from app.services.norms import NormCatalogues, get_catalogue
from app.services.scenarios import change_items, change_rows, find_visible, validated_change
from app.settings import Settings


def proposal_overlay(
    session: Session, city_adcode: str, changes: Sequence[ChangeIn]
) -> FacilityOverlay:
    """Changes that are not stored (a script's proposal), validated as a scenario's would be.

    Raises
    ------
    InvalidInputError
        Naming ``changes.<i>.<field>`` of the first bad change.
    """
    items: list[dict[str, Any]] = []
    with transaction(session):
        for i, change in enumerate(changes):
            items.append(
                validated_change(
                    session, city_adcode, change, seq=i + 1, earlier=items, field=f"changes.{i}"
                )
            )
    return changes_overlay(items, None)


def scenario_overlay(
    session: Session,
    scenario_id: int,
    *,
    principal: Principal | None,
    city: str | None = None,
    field: str = "scenario",
) -> tuple[Scenario, FacilityOverlay]:
    """The scenario and its changes as an overlay on the register.

    Raises
    ------
    NotFoundError
        Unknown scenario, or one the caller may not see (naming ``field``).
    InvalidInputError
        ``city`` given and not the scenario's city (naming ``field``).
    """
    with transaction(session):
        scenario = find_visible(session, scenario_id, principal, field=field)
        if city is not None and city != scenario.city_adcode:
            raise InvalidInputError.worded(
                "error.scenario.other_city",
                field=field,
                id=scenario_id,
                city=scenario.city_adcode,
                given=city,
            )
        return scenario, changes_overlay(
            change_items(change_rows(session, scenario.id)), scenario.id
        )


def scenario_compliance(
    session: Session,
    settings: Settings,
    scenario_id: int,
    *,
    norms: NormCatalogues,
    principal: Principal | None,
    city: str | None = None,
) -> ComplianceReport:
    """The compliance report of a scenario: the same run as the baseline's, changes applied.

    Raises
    ------
    NotFoundError
        Unknown scenario, or one the caller may not see.
    InvalidInputError
        ``city`` given and not the scenario's city (field ``scenario``).
    """
    scenario, overlay = scenario_overlay(session, scenario_id, principal=principal, city=city)
    return compliance.run_compliance(
        session, settings, scenario.city_adcode, norms=norms, overlay=overlay
    )


def scenario_gap_collection(
    session: Session,
    settings: Settings,
    scenario_id: int,
    *,
    norms: NormCatalogues,
    principal: Principal | None,
    city: str,
    rule_id: str | None = None,
) -> GapCollection:
    """The underserved zones of a scenario's spatial rules (or of one), from its run.

    The same zones as :func:`app.services.gaps.gap_collection` draws for the register,
    from the scenario's stored run (computed once, as :func:`scenario_compliance`).

    Raises
    ------
    NotFoundError
        Unknown scenario, or one the caller may not see.
    InvalidInputError
        ``city`` not the scenario's city (field ``scenario``); ``rule_id`` not a spatial rule
        of the plan (field ``rule``).
    """
    catalogue = get_catalogue(norms, city)
    gaps.check_gap_rule(catalogue, rule_id)
    report = scenario_compliance(
        session, settings, scenario_id, norms=norms, principal=principal, city=city
    )
    return gaps.report_gaps(session, report, catalogue, rule_id=rule_id)


def diff_scenario(
    session: Session,
    settings: Settings,
    scenario_id: int,
    *,
    norms: NormCatalogues,
    principal: Principal | None,
) -> ScenarioDiff:
    """What a scenario changes against its city's baseline (both runs stored and reused).

    Raises
    ------
    NotFoundError
        Unknown scenario, or one the caller may not see.
    """
    scenario, overlay = scenario_overlay(session, scenario_id, principal=principal)
    city = scenario.city_adcode
    baseline = compliance.run_compliance(session, settings, city, norms=norms)
    changed = compliance.run_compliance(session, settings, city, norms=norms, overlay=overlay)
    return scenario_diff.compare_runs(session, baseline, changed, scenario_id=scenario_id)
