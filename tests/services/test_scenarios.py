"""Scenarios in PostGIS on the tiny prepared city: changes applied in memory, stored runs, cascades,
and the quick diff of an added site against the full evaluation of the same state.
"""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import EvaluationRun, Facility, Scenario, ScenarioChange
from app.schemas.scenario import ChangeIn, ScenarioCreate
from app.schemas.token import TokenCreate
from app.services import auth, compliance, scenario_runs, scenarios
from app.services import inputs as city_inputs
from app.services.auth import Principal
from app.services.norms import NormCatalogues
from app.services.quick_diff import ScenarioContexts
from app.settings import Settings
from tests.fixtures.compliance_city import CITY, EAST, LAT, WEST, tiny_norms
from tests.fixtures.compliance_city import prepare as prepare_city

pytestmark = pytest.mark.usefixtures("tiny_city")


@pytest.fixture
def author(db_session: Session) -> Principal:
    """A planner's token (scenarios are owned by a token's id)."""
    issued = auth.create_token(db_session, TokenCreate(name="planner-a", role="planner"))
    return Principal(token_id=issued.id, name=issued.name, role=issued.role)


@pytest.fixture
def norms(tmp_path: Path) -> NormCatalogues:
    return tiny_norms(tmp_path)


@pytest.fixture
def facilities(db_session: Session) -> dict[str, Facility]:
    return prepare_city(db_session)


def add(lon: float, type_: str = "community_health_center", **props: object) -> dict[str, object]:
    return {
        "kind": "add",
        "geometry": {"type": "Point", "coordinates": [lon, LAT]},
        "properties": {"name": f"新{type_}", "type": type_, **props},
    }


def new_scenario(session: Session, owner: Principal, *changes: dict[str, object]) -> int:
    body = ScenarioCreate.model_validate({"city": CITY, "name": "s", "changes": list(changes)})
    return scenarios.create_scenario(session, body, author=owner.name, owner=owner)[0].id


def change(raw: dict[str, object]) -> ChangeIn:
    return ScenarioCreate.model_validate({"city": CITY, "name": "s", "changes": [raw]}).changes[0]


def test_changes_are_applied_in_memory_in_order(
    db_session: Session, settings: Settings, facilities: dict[str, Facility], author: Principal
) -> None:
    centre, station, township = (facilities[k] for k in ("centre", "station", "township"))
    sid = new_scenario(
        db_session,
        author,
        add(113.09, beds=30),
        {"kind": "close", "facility_id": township.id},
        {
            "kind": "move",
            "facility_id": centre.id,
            "geometry": {"type": "Point", "coordinates": [112.96, LAT]},
        },
        {"kind": "update", "facility_id": station.id, "properties": {"ambulances": 4}},
        {"kind": "update", "facility_id": station.id, "properties": {"grade": "secondary"}},
    )
    _, overlay = scenario_runs.scenario_overlay(db_session, sid, principal=author)

    inputs = city_inputs.load_city_inputs(db_session, settings, CITY, overlay=overlay)

    by_id = {f.id: f for f in inputs.facilities}
    assert list(by_id) == [centre.id, station.id, "add-1"]
    # the moved centre lies in the west now; the added one last, in the east
    assert (by_id[centre.id].region_adcode, by_id["add-1"].region_adcode) == (WEST, EAST)
    assert (by_id["add-1"].beds, by_id["add-1"].grade.value) == (30, "none")
    assert (by_id[station.id].ambulances, by_id[station.id].grade.value) == (4, "secondary")
    # the register is as it was
    db_session.expire_all()
    assert db_session.get(Facility, station.id).ambulances == 2  # type: ignore[union-attr]
    assert db_session.scalar(select(func.count()).select_from(Facility)) == 3


def test_a_run_is_keyed_by_the_changes(
    db_session: Session,
    settings: Settings,
    norms: NormCatalogues,
    facilities: dict[str, Facility],
    author: Principal,
) -> None:
    first = new_scenario(db_session, author, add(113.09))
    same = new_scenario(db_session, author, add(113.09))
    other = new_scenario(db_session, author, add(113.10))
    baseline = compliance.run_compliance(db_session, settings, CITY, norms=norms)

    runs = [
        scenario_runs.scenario_compliance(db_session, settings, sid, norms=norms, principal=author)
        for sid in (first, same, other)
    ]

    # identical changes share one stored run; different changes have their own
    assert runs[0].run_id == runs[1].run_id
    assert len({baseline.run_id, runs[0].run_id, runs[2].run_id}) == 3
    assert (runs[0].reused, runs[1].reused) == (False, True)
    assert [r.scenario_id for r in runs] == [first, same, other]
    stored = db_session.get(EvaluationRun, runs[0].run_id)
    assert stored is not None
    assert stored.inputs["scenario"]["changes"][0]["kind"] == "add"


def test_a_changed_scenario_is_evaluated_again(
    db_session: Session,
    settings: Settings,
    norms: NormCatalogues,
    facilities: dict[str, Facility],
    author: Principal,
) -> None:
    sid = new_scenario(db_session, author)
    empty = scenario_runs.scenario_compliance(
        db_session, settings, sid, norms=norms, principal=author
    )
    scenarios.add_change(
        db_session, settings, sid, change(add(113.09)), norms=norms, principal=author
    )

    after = scenario_runs.scenario_compliance(
        db_session, settings, sid, norms=norms, principal=author
    )

    assert after.run_id != empty.run_id
    circle = {r.region_adcode: r.passed for r in after.results if r.rule_id == "tiny.care_circle"}
    assert circle == {CITY: True, EAST: True, WEST: True}


def test_changes_go_with_their_scenario_and_stay_flagged_without_their_facility(
    db_session: Session, facilities: dict[str, Facility], author: Principal
) -> None:
    station = facilities["station"]
    keep = new_scenario(
        db_session, author, {"kind": "close", "facility_id": facilities["centre"].id}
    )
    gone = new_scenario(
        db_session, author, {"kind": "close", "facility_id": station.id}, add(113.09)
    )
    holder = new_scenario(db_session, author, {"kind": "close", "facility_id": station.id})
    version = db_session.get(Scenario, holder).version

    db_session.delete(db_session.get(Scenario, gone))
    db_session.flush()
    db_session.delete(station)
    db_session.flush()

    # a deleted scenario takes its changes along; a deleted facility does not
    left = db_session.scalars(select(ScenarioChange.scenario_id).order_by(ScenarioChange.id)).all()
    assert left == [keep, holder]
    db_session.expire_all()
    public, etag = scenarios.get_scenario(db_session, holder, principal=author)
    # the scenario moved on: an ETag read before the delete is stale
    assert public.version == version + 1
    assert etag == f'"{holder}-{version + 1}"'
    assert [(c.facility_id, c.facility_missing) for c in public.changes] == [(station.id, True)]
    other, _ = scenarios.get_scenario(db_session, keep, principal=author)
    assert [c.facility_missing for c in other.changes] == [False]


def test_the_database_refuses_inconsistent_changes(
    db_session: Session, facilities: dict[str, Facility], author: Principal
) -> None:
    sid = new_scenario(db_session, author)

    # a close that names no facility
    db_session.add(ScenarioChange(scenario_id=sid, seq=1, kind="close", properties={}))
    with pytest.raises(IntegrityError, match="facility_unless_add"):
        db_session.flush()


@pytest.mark.parametrize(
    "sites",
    [
        [(113.09, "community_health_center")],
        [(112.90, "township_health_center"), (113.06, "community_health_center")],
        [(112.99, "ems_station"), (112.92, "ems_station")],
        [(113.10, "ems_station"), (112.93, "township_health_center"), (113.00, "ems_station")],
    ],
)
def test_the_quick_diff_equals_the_full_evaluation(
    db_session: Session,
    settings: Settings,
    norms: NormCatalogues,
    facilities: dict[str, Facility],
    sites: list[tuple[float, str]],
    author: Principal,
) -> None:
    sid = new_scenario(db_session, author)
    contexts = ScenarioContexts()
    for lon, type_ in sites:
        result = scenarios.add_change(
            db_session,
            settings,
            sid,
            change(add(lon, type_, ambulances=1)),
            norms=norms,
            principal=author,
            contexts=contexts,
        )
        quick = result.quick_diff
        assert quick is not None
        full = scenario_runs.scenario_compliance(
            db_session, settings, sid, norms=norms, principal=author
        )
        values = {(r.rule_id, r.region_adcode): (r.value, r.passed) for r in full.results}
        assert quick.rules, "every site counts for some spatial rule of the tiny plan"
        for rule in quick.rules:
            for region in rule.regions:
                key = (rule.rule_id, region.region_adcode)
                assert (region.value_after, region.passed_after) == values[key], key


def test_a_holder_by_name_is_the_oldest_valid_token_of_that_name(db_session: Session) -> None:
    first = auth.create_token(db_session, TokenCreate(name="office", role="planner"))
    auth.create_token(db_session, TokenCreate(name="office", role="admin"))
    holder = auth.holder_named(db_session, "office")
    assert holder is not None
    assert (holder.token_id, holder.role) == (first.id, "planner")
    auth.revoke_token(db_session, first.id)
    later = auth.holder_named(db_session, "office")
    assert later is not None
    assert later.token_id != first.id
    assert auth.holder_named(db_session, "nobody") is None
