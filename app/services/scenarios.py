"""Scenarios: a city's baseline with proposed changes, stored apart and evaluated in memory.

A scenario lists changes (add, close, move or update a facility). They are stored in
``scenario_changes`` and applied in memory as a :class:`~app.services.inputs.FacilityOverlay`
when the scenario is evaluated, so the register (``facilities``) is never written and the
baseline and a scenario go through the same compliance code.

Adding one site answers at once with a *quick diff* of the spatial rules
(:func:`app.services.quick_diff.quick_diff`: one bounded search from the new site merged with
the previous state's travel times); the full report then comes from
:func:`app.services.scenario_runs.scenario_compliance`, and
:func:`app.services.scenario_runs.diff_scenario` compares it with the baseline.

Access: a scenario is seen by its owner and by admins, by everyone once ``shared``; only its
owner or an admin changes it. The owner is the API token that created it (by id: token names are
labels and need not be unique); ``author`` is that token's name, for display. A scenario another
caller may not see answers as not found.

Concurrency: a change is added or removed with the scenario's row locked, so parallel changes
take their turns (each its own ``seq``) and a scenario deleted meanwhile is a 404. A facility
that leaves the register keeps the changes naming it (flagged ``facility_missing``; they change
nothing when evaluated) and moves the version of every scenario holding one (migration 0009).
"""

from collections.abc import Sequence
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point as ShapelyPoint
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Facility, Region, Scenario
from app.db.models import ScenarioChange as ChangeRow
from app.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.schemas.scenario import (
    MAX_CHANGES,
    AddChange,
    ChangeIn,
    ChangePublic,
    ChangeResult,
    MoveChange,
    ScenarioCreate,
    ScenarioList,
    ScenarioPublic,
    ScenarioSummary,
    ScenarioUpdate,
    UpdateChange,
)
from app.services import citydata, quick_diff
from app.services._locking import apply_changes, check_version, etag, lost_race
from app.services._tx import transaction
from app.services.auth import Principal
from app.services.facilities import check_capacities
from app.services.inputs import added_facility, changes_overlay
from app.services.norms import NormCatalogues
from app.services.quick_diff import ScenarioContexts
from app.services.region_lookup import locate_point
from app.settings import Settings
from geo.terms import CAPACITY_WITHIN

# ---- reading and writing scenarios


def _owns(scenario: Scenario, principal: Principal | None) -> bool:
    """Whether ``principal`` may change the scenario: the token that created it, or an admin."""
    if principal is None:
        return False
    return principal.is_admin or principal.token_id == scenario.owner_token_id


def visible(scenario: Scenario, principal: Principal | None) -> bool:
    """Whether ``principal`` (None: no token) may see the scenario."""
    return scenario.shared or _owns(scenario, principal)


def find_visible(
    session: Session,
    scenario_id: int,
    principal: Principal | None,
    *,
    field: str = "scenario",
    lock: bool = False,
) -> Scenario:
    """The scenario if the caller may see it; one it may not see is not found, as a missing one.

    ``lock``: hold the scenario's row until the transaction ends (writers take turns).
    """
    if lock:
        stmt = select(Scenario).where(Scenario.id == scenario_id).with_for_update()
        scenario = session.scalars(stmt.execution_options(populate_existing=True)).first()
    else:
        scenario = session.get(Scenario, scenario_id)
    if scenario is None or not visible(scenario, principal):
        raise NotFoundError.worded("error.scenario.not_found", field=field, id=scenario_id)
    return scenario


def _get_own(
    session: Session, scenario_id: int, principal: Principal, *, lock: bool = False
) -> Scenario:
    """The scenario if the caller may change it: its owner or an admin."""
    scenario = find_visible(session, scenario_id, principal, lock=lock)
    if not _owns(scenario, principal):
        raise PermissionDeniedError.worded(
            "error.scenario.not_yours", id=scenario_id, author=scenario.author
        )
    return scenario


def change_rows(session: Session, scenario_id: int) -> list[ChangeRow]:
    """The scenario's stored changes, in order."""
    return list(
        session.scalars(
            select(ChangeRow).where(ChangeRow.scenario_id == scenario_id).order_by(ChangeRow.seq)
        )
    )


def _lonlat(change: ChangeRow) -> tuple[float, float] | None:
    if change.geom is None:
        return None
    point = to_shape(change.geom)
    assert isinstance(point, ShapelyPoint)
    return float(point.x), float(point.y)


def _change_public(change: ChangeRow, names: dict[int, str]) -> ChangePublic:
    missing = change.facility_id is not None and change.facility_id not in names
    where = _lonlat(change)
    name = (
        change.properties.get("name")
        if change.kind == "add"
        else names.get(change.facility_id or 0)
    )
    return ChangePublic(
        id=change.id,
        seq=change.seq,
        kind=change.kind,
        facility_id=change.facility_id,
        facility_name=name,
        properties=change.properties,
        geometry=None if where is None else {"type": "Point", "coordinates": where},
        region_adcode=change.region_adcode,
        facility_missing=missing,
        created_at=change.created_at,
    )


def _summary_fields(scenario: Scenario, n_changes: int) -> dict[str, Any]:
    return {
        "id": scenario.id,
        "city": scenario.city_adcode,
        "name": scenario.name,
        "description": scenario.description,
        "shared": scenario.shared,
        "author": scenario.author,
        "version": scenario.version,
        "n_changes": n_changes,
        "created_at": scenario.created_at,
        "updated_at": scenario.updated_at,
    }


def _public(session: Session, scenario: Scenario) -> ScenarioPublic:
    changes = change_rows(session, scenario.id)
    ids = [c.facility_id for c in changes if c.facility_id is not None]
    names = {
        int(i): str(n)
        for i, n in session.execute(select(Facility.id, Facility.name).where(Facility.id.in_(ids)))
    }
    return ScenarioPublic(
        **_summary_fields(scenario, len(changes)),
        changes=[_change_public(c, names) for c in changes],
    )


def _scenario_city(session: Session, city_adcode: str) -> Region:
    """The city a new scenario belongs to; a body field, so an unknown one is a 422."""
    try:
        return citydata.get_city(session, city_adcode)
    except NotFoundError as exc:
        key = exc.key or "error.city.unknown"
        raise InvalidInputError.worded(key, field="city", city=city_adcode) from exc


def create_scenario(
    session: Session, body: ScenarioCreate, *, author: str, owner: Principal | None = None
) -> tuple[ScenarioPublic, str]:
    """Store a new scenario (and its first changes); nothing is written when a change is bad.

    ``author`` is the name shown as who wrote it; ``owner`` the token that may change it (None
    for a script's scenario: admins only).
    """
    with transaction(session):
        _scenario_city(session, body.city)
        scenario = Scenario(
            city_adcode=body.city,
            name=body.name,
            description=body.description,
            author=author,
            owner_token_id=None if owner is None else owner.token_id,
            shared=body.shared,
        )
        session.add(scenario)
        session.flush()
        for index, change in enumerate(body.changes):
            _insert_change(session, scenario, change, field=f"changes.{index}")
        session.flush()
        session.refresh(scenario)
        return _public(session, scenario), etag(scenario)


def list_scenarios(
    session: Session,
    *,
    principal: Principal | None,
    city: str | None = None,
    author: str | None = None,
) -> ScenarioList:
    """The scenarios the caller may see, newest first, optionally of one city or one author."""
    counts = (
        select(ChangeRow.scenario_id, func.count(ChangeRow.id).label("n"))
        .group_by(ChangeRow.scenario_id)
        .subquery()
    )
    stmt = select(Scenario, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.scenario_id == Scenario.id
    )
    if city is not None:
        stmt = stmt.where(Scenario.city_adcode == city)
    if author is not None:
        stmt = stmt.where(Scenario.author == author)
    if principal is None:
        stmt = stmt.where(Scenario.shared)
    elif not principal.is_admin:
        stmt = stmt.where(Scenario.shared | (Scenario.owner_token_id == principal.token_id))
    with transaction(session):
        rows = session.execute(stmt.order_by(Scenario.id.desc())).all()
        items = [ScenarioSummary(**_summary_fields(s, int(n))) for s, n in rows]
    return ScenarioList(scenarios=items)


def get_scenario(
    session: Session, scenario_id: int, *, principal: Principal | None
) -> tuple[ScenarioPublic, str]:
    with transaction(session):
        scenario = find_visible(session, scenario_id, principal)
        return _public(session, scenario), etag(scenario)


def update_scenario(
    session: Session,
    scenario_id: int,
    body: ScenarioUpdate,
    *,
    principal: Principal,
    if_match: str | None = None,
) -> tuple[ScenarioPublic, str]:
    """Rename, describe or share a scenario; optimistic locking by If-Match or ``version``."""
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version", None)
    for name in ("name", "shared", "description"):
        if name in changes and changes[name] is None:
            raise InvalidInputError.worded("error.not_null", field=name)
    with lost_race("scenario", scenario_id), transaction(session):
        scenario = _get_own(session, scenario_id, principal, lock=True)
        check_version(scenario, "scenario", if_match=if_match, version=version, required=True)
        apply_changes(session, scenario, changes)
        return _public(session, scenario), etag(scenario)


def delete_scenario(
    session: Session, scenario_id: int, *, principal: Principal, if_match: str | None = None
) -> None:
    """Delete a scenario and its changes; the register is untouched."""
    with transaction(session):
        scenario = _get_own(session, scenario_id, principal, lock=True)
        check_version(scenario, "scenario", if_match=if_match, version=None)
        session.delete(scenario)


# ---- changes
#
# A change is validated into an *item*: a plain dict (seq, kind, facility_id, properties, lon, lat,
# region_adcode) that is both what is stored and what the overlay applies and fingerprints.


def _located_in_city(
    session: Session, city: str, lon: float, lat: float, *, crs: str, field: str
) -> tuple[float, float, str]:
    """WGS84 point and county of an input point; it must lie in ``city``."""
    located = locate_point(session, lon, lat, crs=crs, field=field)
    if city not in (located.region_adcode, located.city_adcode):
        raise InvalidInputError.worded(
            "error.point.outside_city",
            field=field,
            point=f"({lon}, {lat})",
            county=located.region_adcode,
            city=city,
        )
    return located.lon, located.lat, located.region_adcode


def _register_facility(
    session: Session, city: str, facility_id: int, earlier: Sequence[dict[str, Any]], *, field: str
) -> Facility:
    """A facility of ``city`` in the register that no earlier change closed."""
    row = session.execute(
        select(Facility, Region.city_adcode)
        .outerjoin(Region, Region.adcode == Facility.region_adcode)
        .where(Facility.id == facility_id)
    ).first()
    if row is None or city not in (row[0].region_adcode, row[1]):
        raise InvalidInputError.worded(
            "error.scenario.not_in_city", field=field, id=facility_id, city=city
        )
    if any(i["kind"] == "close" and i["facility_id"] == facility_id for i in earlier):
        raise InvalidInputError.worded("error.scenario.closed", field=field, id=facility_id)
    facility: Facility = row[0]
    return facility


def validated_change(
    session: Session,
    city: str,
    change: ChangeIn,
    *,
    seq: int,
    earlier: Sequence[dict[str, Any]],
    field: str = "",
) -> dict[str, Any]:
    """Validate one change against the register, the city and the changes before it."""
    prefix = f"{field}." if field else ""
    item: dict[str, Any] = {
        "seq": seq,
        "kind": change.kind,
        "facility_id": None,
        "properties": {},
        "lon": None,
        "lat": None,
        "region_adcode": None,
    }
    if isinstance(change, AddChange | MoveChange):
        lon, lat = change.geometry.coordinates[0], change.geometry.coordinates[1]
        where = f"{prefix}geometry.coordinates"
        item["lon"], item["lat"], item["region_adcode"] = _located_in_city(
            session, city, lon, lat, crs=change.crs, field=where
        )
    if isinstance(change, AddChange):
        item["properties"] = change.properties.model_dump()
        check_capacities(item["properties"], prefix=f"{prefix}properties.")
        return item
    facility = _register_facility(
        session, city, change.facility_id, earlier, field=f"{prefix}facility_id"
    )
    item["facility_id"] = facility.id
    if isinstance(change, UpdateChange):
        props = change.properties.model_dump(exclude_unset=True)
        if not props:
            raise InvalidInputError.worded(
                "error.scenario.empty_update", field=f"{prefix}properties"
            )
        # the capacities as earlier updates left them, then this one
        values = {name: getattr(facility, name) for pair in CAPACITY_WITHIN for name in pair}
        for other in earlier:
            if other["kind"] == "update" and other["facility_id"] == facility.id:
                values |= other["properties"]
        check_capacities(values | props, prefix=f"{prefix}properties.")
        item["properties"] = props
    return item


def _insert_change(
    session: Session, scenario: Scenario, change: ChangeIn, *, field: str = ""
) -> ChangeRow:
    """Validate one change and store it after the scenario's others."""
    earlier = change_items(change_rows(session, scenario.id))
    seq = 1 + max((i["seq"] for i in earlier), default=0)
    item = validated_change(
        session, scenario.city_adcode, change, seq=seq, earlier=earlier, field=field
    )
    row = ChangeRow(
        scenario_id=scenario.id,
        seq=seq,
        kind=item["kind"],
        facility_id=item["facility_id"],
        properties=item["properties"],
        region_adcode=item["region_adcode"],
    )
    if item["lon"] is not None:
        row.geom = f"SRID=4326;POINT({item['lon']!r} {item['lat']!r})"  # type: ignore[assignment]
    session.add(row)
    session.flush()
    # read back the stored point (WKB) and the creation time
    session.refresh(row)
    return row


def add_change(
    session: Session,
    settings: Settings,
    scenario_id: int,
    change: ChangeIn,
    *,
    norms: NormCatalogues,
    principal: Principal,
    contexts: ScenarioContexts | None = None,
    if_match: str | None = None,
) -> ChangeResult:
    """Append one change to a scenario; for an added site, answer with a quick diff.

    Parameters
    ----------
    session, settings
        Database session and service settings.
    scenario_id
        The scenario.
    change
        The change (validated against the register and the scenario's city).
    norms
        The plans' catalogues (the quick diff re-checks the spatial rules).
    principal
        The caller: the scenario's author or an admin.
    contexts
        Scenario states kept in memory; the quick diff starts from the previous state's
        travel times when it is there.
    if_match
        The scenario's ETag as last read; a stale one is refused (412).

    Returns
    -------
    ChangeResult
        The scenario, the stored change, and for an ``add`` the quick diff of the spatial rules.
    """
    with lost_race("scenario", scenario_id), transaction(session):
        scenario = _get_own(session, scenario_id, principal, lock=True)
        check_version(scenario, "scenario", if_match=if_match, version=None)
        earlier = change_rows(session, scenario.id)
        if len(earlier) >= MAX_CHANGES:
            raise InvalidInputError.worded(
                "error.scenario.full", field="scenario_id", id=scenario_id, n=MAX_CHANGES
            )
        before = changes_overlay(change_items(earlier), scenario.id)
        row = _insert_change(session, scenario, change)
        # a new change is a new version of the scenario
        apply_changes(session, scenario, {})
        public = _public(session, scenario)
        after = changes_overlay(change_items(change_rows(session, scenario.id)), scenario.id)
    stored = next(c for c in public.changes if c.id == row.id)
    quick = None
    if isinstance(change, AddChange):
        try:
            quick = quick_diff.quick_diff(
                session,
                settings,
                scenario.city_adcode,
                before=before,
                after=after,
                added=added_facility(after.key["changes"][-1]),
                norms=norms,
                contexts=contexts if contexts is not None else ScenarioContexts(),
            )
        except (ConflictError, NotFoundError):
            # a city without a plan or not prepared yet: the change stands, nothing to re-check
            quick = None
    return ChangeResult(scenario=public, change=stored, quick_diff=quick)


def delete_change(
    session: Session,
    scenario_id: int,
    change_id: int,
    *,
    principal: Principal,
    if_match: str | None = None,
) -> tuple[ScenarioPublic, str]:
    """Remove one change from a scenario (the later ones keep their order)."""
    with lost_race("scenario", scenario_id), transaction(session):
        scenario = _get_own(session, scenario_id, principal, lock=True)
        check_version(scenario, "scenario", if_match=if_match, version=None)
        row = session.get(ChangeRow, change_id)
        if row is None or row.scenario_id != scenario.id:
            raise NotFoundError.worded("error.change.not_found", id=change_id, scenario=scenario_id)
        session.delete(row)
        # a removed change is a new version of the scenario
        apply_changes(session, scenario, {})
        return _public(session, scenario), etag(scenario)


def change_items(changes: Sequence[ChangeRow]) -> list[dict[str, Any]]:
    """Stored changes as the items an overlay applies (WGS84 locations, degrees)."""
    items = []
    for change in changes:
        where = _lonlat(change)
        items.append(
            {
                "seq": change.seq,
                "kind": change.kind,
                "facility_id": change.facility_id,
                "properties": change.properties,
                "lon": None if where is None else where[0],
                "lat": None if where is None else where[1],
                "region_adcode": change.region_adcode,
            }
        )
    return items
