"""Hengyang: the new ≥ 1,500-bed municipal general hospital in the east-city cluster.

The plan (``001_80cf858754c9910a.txt`` L328): 结合城东区域服务组团规划新建1处市级综合医院，
床位数不低于1500张. It names a planning zone, not a site: by default the hospital stands inside
珠晖区 (430405), the district east of the Xiang river where the east city lies (``--district``);
``--lon``/``--lat`` (WGS84) test another site.

The script answers who gains 15- and 30-minute access by car to a general hospital (per
county-level unit, and where: ``gains_15min.geojson``, ``gains_30min.geojson``), and the beds per
1,000 residents before and after (``hengyang.beds_per_1000``). ``hospital.geojson`` holds the site.
"""

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if not __package__:
    # run as `python scenarios/hengyang_hospital.py`: the project root holds the scenarios package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from sqlalchemy import func, select

from app.db.models import Region
from app.errors import InvalidInputError
from app.services.scenario_runs import proposal_overlay
from geo.norms import FacilitySelector, FacilityType, coverage_by_region, select_facilities
from scenarios import _common as common

PLAN = "430400"
BEDS = "hengyang.beds_per_1000"
# the east bank of the Xiang in central Hengyang, where the east-city cluster lies
EAST_CITY_DISTRICT = "430405"
# access is measured to general hospitals, the kind the plan proposes
HOSPITALS = (FacilitySelector(facility_types=(FacilityType.GENERAL_HOSPITAL,)),)
# the two care circles of the plans (15-minute, 30-minute), ../shared/plans/NORMS.md
CIRCLES_MIN = (15.0, 30.0)


def _site(env: common.Env, args: argparse.Namespace) -> tuple[float, float, str]:
    """The hospital's WGS84 point and how it was chosen."""
    if args.lon is not None and args.lat is not None:
        return args.lon, args.lat, "given (--lon, --lat)"
    row = env.session.execute(
        select(
            Region.name,
            func.ST_X(func.ST_PointOnSurface(Region.geom)),
            func.ST_Y(func.ST_PointOnSurface(Region.geom)),
        ).where(Region.adcode == args.district, Region.geom.is_not(None))
    ).first()
    if row is None:
        msg = f"--district {args.district} is not a county-level unit with an area"
        raise InvalidInputError(msg, details=[{"field": "district", "msg": msg}])
    return float(row[1]), float(row[2]), f"a point inside {row[0]} ({args.district})"


def _body(argv: Sequence[str] | None) -> int:
    p = common.parser(__doc__.split("\n\n")[0], default_city=PLAN, name="hengyang_hospital")
    p.add_argument("--lon", type=float, default=None, help="site longitude (WGS84)")
    p.add_argument("--lat", type=float, default=None, help="site latitude (WGS84)")
    p.add_argument("--district", default=EAST_CITY_DISTRICT, help="default site: inside it")
    # ≥ 1,500 beds, L328
    p.add_argument(
        "--beds", type=common.positive_int, default=1500, help="beds of the new hospital"
    )
    p.add_argument("--name", default="衡阳市城东市级综合医院", help="name of the new hospital")
    args = p.parse_args(argv)
    if (args.lon is None) != (args.lat is None):
        p.error("give both --lon and --lat, or neither")
    started = time.perf_counter()
    with common.environment(args) as env:
        beds_rule = common.plan_rule(env, PLAN, BEDS)
        lon, lat, how = _site(env, args)
        hospital = common.add_change(
            lon,
            lat,
            {"name": args.name, "type": "general_hospital", "grade": "tertiary", "beds": args.beds},
        )
        changes = [hospital]
        overlay = proposal_overlay(env.session, args.city, changes)
        before = common.evaluate(env, args.city, [beds_rule])
        after = common.evaluate(env, args.city, [beds_rule], overlay=overlay)
        scenario_id = common.save_scenario(
            env,
            args,
            description="Hengyang east-city hospital (scenarios/hengyang_hospital.py)",
            changes=changes,
        )
        lines = common.header(
            "A new ≥ 1,500-bed general hospital in the east city (Hengyang plan)",
            common.city_name(before.inputs, args.city),
            args.city,
            before.inputs.context.synthetic,
        )
        lines += [
            "Plan: 001_80cf858754c9910a.txt L328: 「结合城东区域服务组团规划新建1处市级综合医院，"
            "床位数不低于1500张」.",
            "",
            f"Site: ({lon:.5f}, {lat:.5f}), {how}; {args.beds:,} beds; {_road(after)}.",
            "",
        ]
        features = []
        for minutes in CIRCLES_MIN:
            lines += _access_section(before, after, args.city, minutes)
            features.append(_gain_zones(env, before, after, minutes))
        lines += [
            "## Beds per 1,000 residents",
            "",
            *common.compare_table(beds_rule, before, after),
        ]
        if scenario_id is not None:
            lines += [f"Saved as scenario {scenario_id}.", ""]
        lines.append(f"Computed in {time.perf_counter() - started:.1f} s.")
        common.write_report(args.out / "report.md", lines)
        site = common.point_feature(
            lon, lat, {"name": args.name, "type": "general_hospital", "beds": args.beds}
        )
        common.write_geojson(args.out / "hospital.geojson", [site])
        for minutes, zones in zip(CIRCLES_MIN, features, strict=True):
            common.write_geojson(args.out / f"gains_{minutes:.0f}min.geojson", zones)
    return 0


def _road(after: common.Evaluation) -> str:
    """How far the new hospital (the last facility) is from the road network."""
    snap = after.inputs.context.snapped_sites("drive")
    distance_m = float(snap.distance_m[-1])
    if snap.node[-1] < 0:
        return f"{distance_m:,.0f} m from the nearest road node: off the network, it reaches no one"
    return f"{distance_m:,.0f} m from the nearest road node"


def _access_section(
    before: common.Evaluation, after: common.Evaluation, city: str, minutes: float
) -> list[str]:
    """Residents within ``minutes`` by car of a general hospital, per region, before and after."""
    rows = []
    kept = [r for r in before.inputs.regions if r.level.value != "zone"]
    old = coverage_by_region(
        before.inputs.context,
        kept,
        city_adcode=city,
        selectors=HOSPITALS,
        mode="drive",
        minutes=minutes,
    )
    new = coverage_by_region(
        after.inputs.context,
        kept,
        city_adcode=city,
        selectors=HOSPITALS,
        mode="drive",
        minutes=minutes,
    )
    for a, b in zip(old, new, strict=True):
        rows.append(
            [
                f"{a.region_name} {a.region_adcode}",
                f"{a.population:,}",
                f"{a.covered:,} ({common.fmt(a.covered_share, 'share')})",
                f"{b.covered:,} ({common.fmt(b.covered_share, 'share')})",
                f"{b.covered - a.covered:,}",
            ]
        )
    return [
        f"## Within {minutes:.0f} minutes by car of a general hospital",
        "",
        *common.table(["region", "residents", "before", "after", "gain"], rows),
    ]


def _gain_zones(
    env: common.Env, before: common.Evaluation, after: common.Evaluation, minutes: float
) -> list[dict[str, object]]:
    """Where residents come within ``minutes`` of a general hospital, dissolved into zones."""
    limit_s = minutes * 60.0
    reach = []
    for evaluation in (before, after):
        context = evaluation.inputs.context
        chosen = select_facilities(context.sites, HOSPITALS)
        time_s = context.travel_time_at_points(chosen, mode="drive", direction="to_facility")
        reach.append(np.asarray(time_s <= limit_s))
    gained = reach[1] & ~reach[0]
    return common.zone_features(env.session, after.inputs, gained, {"minutes": minutes})


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; 0 on success, 2 when the data or the options are wrong."""
    return common.run(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
