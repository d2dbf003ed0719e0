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
    # run as a file: the project root on the path, and the project's own Python
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from scenarios._launch import use_project_python

    use_project_python(__file__)

import numpy as np
from sqlalchemy import func, select

from app.db.models import Region
from app.errors import InvalidInputError
from app.services.scenario_runs import proposal_overlay
from geo import messages
from geo.norms import FacilitySelector, FacilityType, coverage_by_region, select_facilities
from scenarios import _common as common
from scenarios._parser import help_text

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
        return args.lon, args.lat, env.t("hengyang_hospital.site_given")
    row = env.session.execute(
        select(
            Region.name,
            func.ST_X(func.ST_PointOnSurface(Region.geom)),
            func.ST_Y(func.ST_PointOnSurface(Region.geom)),
        ).where(Region.adcode == args.district, Region.geom.is_not(None))
    ).first()
    if row is None:
        msg = env.t("hengyang_hospital.bad_district", district=args.district)
        raise InvalidInputError(msg, details=[{"field": "district", "msg": msg}])
    how = env.t("hengyang_hospital.site_inside", name=row[0], adcode=args.district)
    return float(row[1]), float(row[2]), how


def _body(argv: Sequence[str] | None) -> int:
    p = common.parser("hengyang_hospital", default_city=PLAN)
    p.add_argument("--lon", type=float, default=None, help=help_text("scenario.opt.lon"))
    p.add_argument("--lat", type=float, default=None, help=help_text("scenario.opt.lat"))
    p.add_argument(
        "--district",
        default=EAST_CITY_DISTRICT,
        help=help_text("scenario.hengyang_hospital.opt.district"),
    )
    # ≥ 1,500 beds, L328
    p.add_argument(
        "--beds",
        type=common.positive_int,
        default=1500,
        help=help_text("scenario.hengyang_hospital.opt.beds"),
    )
    p.add_argument(
        "--name",
        default="衡阳市城东市级综合医院",
        help=help_text("scenario.hengyang_hospital.opt.name"),
    )
    args = p.parse_args(argv)
    if (args.lon is None) != (args.lat is None):
        p.error(help_text("scenario.lon_lat_together"))
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
        after = common.evaluate(env, args.city, [beds_rule], overlay=overlay, what="after")
        scenario_id = common.save_scenario(
            env,
            args,
            description=env.t("hengyang_hospital.description"),
            changes=changes,
        )
        t = env.t
        lines = common.header(
            env,
            "hengyang_hospital",
            common.city_name(before.inputs, args.city),
            args.city,
            before.inputs.context.synthetic,
        )
        quote = "结合城东区域服务组团规划新建1处市级综合医院，床位数不低于1500张"
        lines += [
            t("plan", cite=common.cite_plan(env, PLAN, 328, 328, quote)),
            "",
            t(
                "hengyang_hospital.site",
                lon=f"{lon:.5f}",
                lat=f"{lat:.5f}",
                how=how,
                beds=f"{args.beds:,}",
                road=_road(env, after),
            ),
            "",
        ]
        features = []
        with env.steps.step("access"):
            for minutes in CIRCLES_MIN:
                lines += _access_section(env, before, after, args.city, minutes)
                features.append(_gain_zones(env, before, after, minutes))
        lines += [
            f"## {t('hengyang_hospital.beds')}",
            "",
            *common.compare_table(env, beds_rule, before, after),
            *common.footer(env, scenario_id, started),
        ]
        with env.steps.step("write"):
            written = [common.write_report(args.out / "report.md", lines)]
            site = common.point_feature(
                lon,
                lat,
                {
                    "name": args.name,
                    "type": messages.label("facility_type", "general_hospital", env.lang),
                    "type_id": "general_hospital",
                    "beds": args.beds,
                },
            )
            written.append(common.write_geojson(args.out / "hospital.geojson", [site]))
            for minutes, zones in zip(CIRCLES_MIN, features, strict=True):
                path = args.out / f"gains_{minutes:.0f}min.geojson"
                written.append(common.write_geojson(path, zones))
        common.finish(env, args.out, written)
    return 0


def _road(env: common.Env, after: common.Evaluation) -> str:
    """How far the new hospital (the last facility) is from the road network."""
    snap = after.inputs.context.snapped_sites("drive")
    distance_m = f"{float(snap.distance_m[-1]):,.0f}"
    if snap.node[-1] < 0:
        return env.t("hengyang_hospital.off_network", m=distance_m)
    return env.t("hengyang_hospital.road", m=distance_m)


def _access_section(
    env: common.Env,
    before: common.Evaluation,
    after: common.Evaluation,
    city: str,
    minutes: float,
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
    header = [env.t(f"col.{key}") for key in ("region", "residents", "before", "after", "gain")]
    return [
        f"## {env.t('hengyang_hospital.within', minutes=f'{minutes:.0f}')}",
        "",
        *common.table(header, rows),
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
