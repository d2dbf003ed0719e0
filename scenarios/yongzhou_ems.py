"""Yongzhou: EMS stations within 5 km (urban) / 20 km (rural) of every resident, and their fleet.

The plan (``004_d7d4906956ec28ce.txt`` L1136–1142): stations so that the service radius is at
most 5 km in urban and 10–20 km in rural areas, at every grade-II+ hospital and capable central
township health centre; one ambulance per 30,000 residents (counties count 300% of theirs), at
least 40% of them negative-pressure. The catalogue's rules ``yongzhou.ems_station_radius``,
``yongzhou.ambulance_fleet`` and ``yongzhou.negative_pressure_ambulances`` are checked before and
after.

Method, on the city's data (``--city``, Yongzhou by default):

1. grade-II+ hospitals that host no station yet: the fewest of them covering every resident they
   can reach (LSCP on the radius rule);
2. central township health centres (named …中心卫生院 in the register; which ones are "capable"
   is not recorded) for the residents still beyond reach;
3. new stations at network nodes in the remaining gaps (one candidate per ``--spacing-m``);
4. the fleet, planned with the stations (``model: "ems"``, MEXCLP, Daskin 1983): every station
   gets an ambulance first (a station without a vehicle is no station), each county-level unit
   ends with the ambulances the plan requires of it (more when it has more stations), and each
   further ambulance goes where it adds most expected coverage given that ambulances are busy;
   then negative-pressure ambulances up to 40% of each unit's fleet.

The report states what the plan costs: stations hosted, stations built, ambulances added.

Outputs: ``report.md``; ``stations.geojson`` (every EMS point after, with its stage and fleet);
``gaps_before.geojson`` and ``gaps_after.geojson`` (residents beyond the radius).
"""

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if not __package__:
    # run as a file: the project root on the path, and the project's own Python
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from scenarios._launch import use_project_python

    use_project_python(__file__)


from app.schemas.facility import FacilityChanges
from app.schemas.optimize import CandidatePoint, EmsSummary, OptimizeRequest
from app.schemas.scenario import ChangeIn, UpdateChange
from app.services import optimize
from app.services.inputs import FacilityOverlay, added_facility_id
from app.services.scenario_runs import proposal_overlay
from geo import messages
from geo.norms import FacilityInput, Rule, select_facilities
from geo.norms.parameters import FleetRatioParameters
from scenarios import _common as common
from scenarios._parser import help_text

PLAN = "431100"
RADIUS, FLEET, NEGATIVE = (
    "yongzhou.ems_station_radius",
    "yongzhou.ambulance_fleet",
    "yongzhou.negative_pressure_ambulances",
)
HOSPITALS = frozenset(
    {
        "general_hospital",
        "tcm_hospital",
        "maternal_child_hospital",
        "specialty_hospital",
        "psychiatric_hospital",
    }
)
# grade II and above (二级及以上医院), L1138
HOSPITAL_GRADES = frozenset({"secondary", "tertiary"})
# a central township health centre (乡镇中心卫生院) is told by its name, as the register gives it
CENTRAL_TOWNSHIP = "中心卫生院"
COUNTY_LEVELS = frozenset({"district", "county", "county_city"})


# the stages in which stations are found, in order (their labels: scenario.yongzhou_ems.stage.*)
STAGES = ("hospital", "central_township", "new")


@dataclass
class Station:
    stage: str
    name: str
    lon: float
    lat: float
    facility_id: int | None
    residents: float


def _stage(
    env: common.Env,
    args: argparse.Namespace,
    rule: Rule,
    overlay: FacilityOverlay | None,
    candidates: list[CandidatePoint] | str,
    *,
    stage: str,
) -> list[Station]:
    """One LSCP round on the radius rule with the proposal so far applied, among ``stage``'s
    candidates (named in the progress line)."""
    request = OptimizeRequest(
        city=args.city,
        model="lscp",
        facility_type="ems_station",
        candidates=candidates,
        spacing_m=args.spacing_m,
        time_limit_s=args.time_limit,
    )
    among = env.t(f"yongzhou_ems.stage.{stage}")
    with env.steps.step("optimize", model=f"{common.model_label(env, 'lscp')} · {among}"):
        result = optimize.optimize_sites(
            env.session, env.settings, request, norms=env.norms, rule=rule, overlay=overlay
        )
    return [
        Station("", s.name, s.lon, s.lat, s.facility_id, s.residents)
        for s in result.chosen
        if s.residents > 0
    ]


def _site_changes(
    stations: Sequence[Station], facilities: dict[int | str, FacilityInput]
) -> list[ChangeIn]:
    """Hosts start hosting a station, new stations are added; fleets not yet sized.

    A fleet count the register does not know is taken as none, so that the fleet rules can
    count the new points (the sizing step then gives each its ambulances).
    """
    changes: list[ChangeIn] = []
    for station in stations:
        if station.facility_id is not None:
            host = facilities[station.facility_id]
            changes.append(
                UpdateChange(
                    kind="update",
                    facility_id=station.facility_id,
                    properties=FacilityChanges(
                        ems_station_hosted=True,
                        ambulances=host.ambulances or 0,
                        negative_pressure_ambulances=host.negative_pressure_ambulances or 0,
                    ),
                )
            )
        else:
            changes.append(
                common.add_change(
                    station.lon,
                    station.lat,
                    {
                        "name": station.name,
                        "type": "ems_station",
                        "ambulances": 0,
                        "negative_pressure_ambulances": 0,
                    },
                )
            )
    return changes


@dataclass
class Fleet:
    """Per EMS point (facility id): ambulances and negative-pressure ones after sizing."""

    ambulances: dict[int | str, int]
    negative: dict[int | str, int]
    units: list[list[object]]
    notes: list[str]


def _ems_fleet(
    env: common.Env,
    args: argparse.Namespace,
    rules: tuple[Rule, Rule],
    overlay: FacilityOverlay | None,
) -> tuple[dict[int | str, int], EmsSummary]:
    """Ambulances per EMS point (evaluation id) from the stations-and-fleet model."""
    request = OptimizeRequest(
        city=args.city, model="ems", candidates="gaps", time_limit_s=args.time_limit
    )
    with env.steps.step("fleet"):
        result = optimize.optimize_sites(
            env.session,
            env.settings,
            request,
            norms=env.norms,
            rule=rules[0],
            overlay=overlay,
            fleet_rule=rules[1],
        )
    assert result.ems is not None
    after: dict[int | str, int] = {}
    for station in result.ems.stations:
        key: int | str = station.facility_id if station.facility_id is not None else station.ref
        after[key] = station.ambulances_after
    return after, result.ems


def _size_fleet(
    env: common.Env,
    evaluation: common.Evaluation,
    fleet_rule: Rule,
    min_share: float,
    planned: dict[int | str, int],
) -> Fleet:
    """The planned ambulances per EMS point, and negative-pressure ones per county-level unit."""
    inputs = evaluation.inputs
    context = inputs.context
    params = fleet_rule.parameters
    assert isinstance(params, FleetRatioParameters)
    chosen = select_facilities(context.sites, params.facilities)
    facilities: list[FacilityInput] = list(context.sites.facilities)
    ambulances = {
        facilities[i].id: max(planned.get(facilities[i].id, 0), facilities[i].ambulances or 0)
        for i in chosen
    }
    negative = {facilities[i].id: facilities[i].negative_pressure_ambulances or 0 for i in chosen}
    units, notes = [], []
    for region in inputs.regions:
        if region.level.value not in COUNTY_LEVELS:
            if region.level.value == "zone":
                row = evaluation.row(FLEET, region.adcode)
                if row is not None and row.shortfall:
                    notes.append(
                        env.t(
                            "yongzhou_ems.zone_note",
                            name=region.name,
                            adcode=region.adcode,
                            n=f"{row.shortfall:g}",
                        )
                    )
            continue
        row = evaluation.row(FLEET, region.adcode)
        if row is None or row.target is None or row.value is None:
            continue
        mine = [i for i in chosen if facilities[i].region_adcode == region.adcode]
        present = sum(facilities[i].ambulances or 0 for i in mine)
        needed = max(0, sum(ambulances[facilities[i].id] for i in mine) - present)
        if math.ceil(row.target - row.value) > 0 and not mine:
            notes.append(env.t("yongzhou_ems.no_point_note", name=region.name))
        fleet = sum(ambulances[facilities[i].id] for i in mine)
        required_np = math.ceil(min_share * fleet - 1e-9)
        present_np = sum(negative[facilities[i].id] for i in mine)
        for _ in range(max(0, required_np - present_np)):
            # the point with the most ambulances that are not negative-pressure yet
            i = max(mine, key=lambda j: ambulances[facilities[j].id] - negative[facilities[j].id])
            negative[facilities[i].id] += 1
        units.append(
            [
                f"{region.name} {region.adcode}",
                f"{region.population or 0:,}",
                fmt_int(row.target),
                fmt_int(row.value),
                needed,
                required_np,
                present_np,
                max(0, required_np - present_np),
            ]
        )
    return Fleet(ambulances, negative, units, notes)


def fmt_int(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"


def _final_changes(
    stations: Sequence[Station], fleet: Fleet, before: dict[int | str, FacilityInput]
) -> list[ChangeIn]:
    """The stations with their fleet, then fleet changes at existing EMS points."""
    changes: list[ChangeIn] = []
    touched: set[int | str] = set()
    for seq, station in enumerate(stations, start=1):
        key: int | str = station.facility_id if station.facility_id else added_facility_id(seq)
        touched.add(key)
        capacity = {"ambulances": fleet.ambulances.get(key, 0)}
        capacity["negative_pressure_ambulances"] = fleet.negative.get(key, 0)
        if station.facility_id is not None:
            changes.append(
                UpdateChange(
                    kind="update",
                    facility_id=station.facility_id,
                    properties=FacilityChanges(ems_station_hosted=True, **capacity),
                )
            )
        else:
            changes.append(
                common.add_change(
                    station.lon,
                    station.lat,
                    {"name": station.name, "type": "ems_station", **capacity},
                )
            )
    for key, count in fleet.ambulances.items():
        old = before.get(key)
        if key in touched or not isinstance(key, int) or old is None:
            continue
        if count != (old.ambulances or 0) or fleet.negative[key] != (
            old.negative_pressure_ambulances or 0
        ):
            changes.append(
                UpdateChange(
                    kind="update",
                    facility_id=key,
                    properties=FacilityChanges(
                        ambulances=count, negative_pressure_ambulances=fleet.negative[key]
                    ),
                )
            )
    return changes


def _body(argv: Sequence[str] | None) -> int:
    p = common.parser("yongzhou_ems", default_city=PLAN)
    p.add_argument(
        "--spacing-m",
        type=common.positive_float,
        default=None,
        help=help_text("scenario.opt.spacing_m"),
    )
    p.add_argument(
        "--time-limit",
        type=common.positive_float,
        default=60.0,
        help=help_text("scenario.yongzhou_ems.opt.time_limit"),
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    with common.environment(args) as env:
        rules = [common.plan_rule(env, PLAN, rid) for rid in (RADIUS, FLEET, NEGATIVE)]
        radius, fleet_rule, negative_rule = rules
        before = common.evaluate(env, args.city, rules)
        counting = set(
            select_facilities(before.inputs.context.sites, common.selectors(radius)).tolist()
        )
        facilities = before.inputs.facilities
        by_id = {f.id: f for f in facilities}
        hospitals = [
            CandidatePoint(facility_id=f.id)
            for i, f in enumerate(facilities)
            if isinstance(f.id, int)
            and f.type.value in HOSPITALS
            and f.grade.value in HOSPITAL_GRADES
            and i not in counting
        ]
        townships = [
            CandidatePoint(facility_id=f.id)
            for i, f in enumerate(facilities)
            if isinstance(f.id, int)
            and f.type.value == "township_health_center"
            and CENTRAL_TOWNSHIP in f.name
            and i not in counting
        ]
        stations: list[Station] = []
        overlay: FacilityOverlay | None = None
        stages: list[tuple[str, list[CandidatePoint] | str]] = list(
            zip(STAGES, (hospitals, townships, "gaps"), strict=True)
        )
        for stage, candidates in stages:
            if not candidates:
                continue
            found = _stage(env, args, radius, overlay, candidates, stage=stage)
            for n, station in enumerate(found, start=1):
                station.stage = stage
                if station.facility_id is None:
                    station.name = f"{env.t('yongzhou_ems.new_station')} {n}"
            stations += found
            if found:
                overlay = proposal_overlay(env.session, args.city, _site_changes(stations, by_id))
        with_sites = common.evaluate(env, args.city, rules, overlay=overlay, what="sites")
        assert isinstance(negative_rule.parameters, FleetRatioParameters)
        planned, ems = _ems_fleet(env, args, (radius, fleet_rule), overlay)
        fleet = _size_fleet(
            env, with_sites, fleet_rule, negative_rule.parameters.min_share or 0.4, planned
        )
        changes = _final_changes(stations, fleet, by_id)
        final_overlay = proposal_overlay(env.session, args.city, changes) if changes else None
        after = common.evaluate(env, args.city, rules, overlay=final_overlay, what="after")
        scenario_id = common.save_scenario(
            env,
            args,
            description=env.t("yongzhou_ems.description"),
            changes=changes,
        )
        with env.steps.step("write"):
            written = _write(
                env,
                args,
                before=before,
                after=after,
                stations=stations,
                fleet=fleet,
                ems=ems,
                rules=rules,
                scenario_id=scenario_id,
                started=started,
            )
        common.finish(env, args.out, written)
    return 0


def _write(
    env: common.Env,
    args: argparse.Namespace,
    *,
    before: common.Evaluation,
    after: common.Evaluation,
    stations: list[Station],
    fleet: Fleet,
    ems: EmsSummary,
    rules: list[Rule],
    scenario_id: int | None,
    started: float,
) -> list[Path]:
    city: str = args.city
    out = args.out
    radius = rules[0]
    name = common.city_name(before.inputs, city)
    t = env.t
    lines = common.header(env, "yongzhou_ems", name, city, before.inputs.context.synthetic)
    by_stage: dict[str, int] = {}
    for s in stations:
        by_stage[s.stage] = by_stage.get(s.stage, 0) + 1
    summary = (
        "、".join(
            t("yongzhou_ems.stage_count", n=n, stage=t(f"yongzhou_ems.stage.{stage}"))
            for stage, n in by_stage.items()
        )
        if env.lang == "zh"
        else ", ".join(
            t("yongzhou_ems.stage_count", n=n, stage=t(f"yongzhou_ems.stage.{stage}"))
            for stage, n in by_stage.items()
        )
    ) or t("yongzhou_ems.none_needed")
    ambulances_after = sum(fleet.ambulances.values())
    lines += [
        t("plan", cite=common.cite(env, radius)),
        "",
        t("yongzhou_ems.plan_summary"),
        "",
        t("yongzhou_ems.proposed", n=len(stations), summary=summary),
        "",
        f"## {t('yongzhou_ems.costs')}",
        "",
        *common.table(
            ["", t("col.before"), t("col.after"), t("col.added")],
            [
                [
                    t("yongzhou_ems.row.points"),
                    len(fleet.ambulances) - len(stations),
                    len(fleet.ambulances),
                    len(stations),
                ],
                [t("yongzhou_ems.row.new_stations"), "", by_stage.get("new", 0), ""],
                [
                    t("yongzhou_ems.row.ambulances"),
                    f"{ems.fleet_before:,}",
                    f"{ambulances_after:,}",
                    f"{ambulances_after - ems.fleet_before:,}",
                ],
                [
                    t("yongzhou_ems.row.without_ambulance"),
                    "",
                    sum(1 for n in fleet.ambulances.values() if n == 0),
                    "",
                ],
                [
                    t("yongzhou_ems.row.expected"),
                    f"{ems.expected_before:,.0f}",
                    f"{ems.expected_after:,.0f}",
                    f"{ems.expected_after - ems.expected_before:,.0f}",
                ],
            ],
        ),
        t(
            "yongzhou_ems.busy",
            busy=f"{ems.busy_fraction:.1%}",
            calls=f"{ems.calls_per_1000_per_year:g}",
            minutes=f"{ems.minutes_per_call:g}",
        ),
        "",
        f"## {t('yongzhou_ems.radius')}",
        "",
        *common.compare_table(env, radius, before, after),
        f"## {t('yongzhou_ems.stations')}",
        "",
        *common.table(
            [
                t("col.stage"),
                t("col.name"),
                t("col.lon"),
                t("col.lat"),
                t("yongzhou_ems.col.gained"),
                t("yongzhou_ems.col.ambulances"),
            ],
            [
                [
                    t(f"yongzhou_ems.stage.{s.stage}"),
                    s.name,
                    f"{s.lon:.5f}",
                    f"{s.lat:.5f}",
                    f"{s.residents:,.0f}",
                    fleet.ambulances.get(
                        s.facility_id if s.facility_id else added_facility_id(i), 0
                    ),
                ]
                for i, s in enumerate(stations, start=1)
            ],
        ),
        f"## {t('yongzhou_ems.fleet')}",
        "",
        *common.table(
            [
                t(f"yongzhou_ems.col.{key}")
                for key in (
                    "unit",
                    "residents",
                    "required",
                    "present",
                    "to_add",
                    "np_required",
                    "np_present",
                    "np_to_add",
                )
            ],
            fleet.units,
        ),
        *common.compare_table(env, rules[1], before, after),
        *common.compare_table(env, rules[2], before, after),
    ]
    if fleet.notes:
        lines += [f"## {t('notes')}", "", *(f"- {n}" for n in fleet.notes), ""]
    lines += common.footer(env, scenario_id, started)
    written = [common.write_report(out / "report.md", lines)]

    context = after.inputs.context
    lonlat = common.to_lonlat(context.net.crs, context.sites.x, context.sites.y)
    stage_of = {
        (s.facility_id if s.facility_id else added_facility_id(i)): s.stage
        for i, s in enumerate(stations, start=1)
    }
    old = {f.id: f for f in before.inputs.facilities}
    # the stations the radius norm counts, chosen once (not once per facility)
    counted = set(select_facilities(context.sites, common.selectors(radius)).tolist())
    features = [
        common.point_feature(
            float(lonlat[i][0]),
            float(lonlat[i][1]),
            {
                "name": f.name,
                "type": messages.label("facility_type", f.type.value, env.lang),
                "type_id": f.type.value,
                "stage": t(f"yongzhou_ems.stage.{stage_of.get(f.id, 'existing')}"),
                "stage_id": stage_of.get(f.id, "existing"),
                "ambulances_before": (old[f.id].ambulances or 0) if f.id in old else 0,
                "ambulances_after": f.ambulances or 0,
                "negative_pressure_after": f.negative_pressure_ambulances or 0,
            },
        )
        for i, f in enumerate(context.sites.facilities)
        if i in counted
    ]
    written.append(common.write_geojson(out / "stations.geojson", features))
    for label, evaluation in (("before", before), ("after", after)):
        outcome = evaluation.spatial[radius.id]
        gaps = common.zone_features(
            env.session,
            evaluation.inputs,
            outcome.counted & ~outcome.covered,
            common.rule_properties(env, radius),
        )
        written.append(common.write_geojson(out / f"gaps_{label}.geojson", gaps))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; 0 on success, 2 when the data or the options are wrong."""
    return common.run(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
