"""Jishou: village clinics within 2.5 km, the rural 30-minute circle, and mobile clinic points.

The plan (``002_8fac2466e21989cb.txt``): village clinics serve a 2.5 km radius "in principle"
(L287, ``jishou.village_clinic_radius``); township health centres and village clinics form the
rural 30-minute circle (L281, L287, ``jishou.rural_care_circle_30min``); the 27 villages without a
village doctor get mobile clinic points (L12: 在无村医的27个村配备医疗巡诊点).

The register has no village boundaries, so rural residents farther than 2.5 km (straight) from
every village clinic stand for the villages without a doctor (``villages_without_doctor.geojson``).
``--points`` mobile clinic points (27 by default, L12) are placed at network nodes in those zones
where they bring the most rural residents within 2.5 km (MCLP on the village-clinic rule); they
are then counted as village-tier facilities and both rules are checked again
(``mobile_points.geojson``, ``report.md``).
"""

import sys
import time
from collections.abc import Sequence
from pathlib import Path

if not __package__:
    # run as `python scenarios/jishou_villages.py`: the project root holds the scenarios package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.schemas.optimize import OptimizeRequest
from scenarios import _common as common

PLAN = "433101"
RADIUS, CIRCLE = "jishou.village_clinic_radius", "jishou.rural_care_circle_30min"
# villages without a village doctor that get a mobile clinic point (L12)
MOBILE_POINTS = 27


def _body(argv: Sequence[str] | None) -> int:
    p = common.parser(__doc__.split("\n\n")[0], default_city=PLAN, name="jishou_villages")
    p.add_argument(
        "--points", type=common.positive_int, default=MOBILE_POINTS, help="mobile clinic points"
    )
    p.add_argument(
        "--spacing-m",
        type=common.positive_float,
        default=None,
        help="candidate spacing where the limit is smallest, metres "
        "(default: from the rule, widened to fit)",
    )
    p.add_argument(
        "--time-limit", type=common.positive_float, default=60.0, help="solver time limit, seconds"
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    with common.environment(args) as env:
        rules = [common.plan_rule(env, PLAN, rid) for rid in (RADIUS, CIRCLE)]
        radius = rules[0]
        before = common.evaluate(env, args.city, rules)
        request = OptimizeRequest(
            city=args.city,
            model="mclp",
            k=args.points,
            facility_type="village_clinic",
            candidates="gaps",
            spacing_m=args.spacing_m,
            time_limit_s=args.time_limit,
        )
        proposed = common.propose_gap_sites(
            env, args.city, request, rule=radius, rules=rules, name="医疗巡诊点"
        )
        result, sites, changes = proposed.result, proposed.sites, proposed.changes
        after = proposed.after
        scenario_id = common.save_scenario(
            env,
            args,
            description="Jishou mobile clinic points (scenarios/jishou_villages.py)",
            changes=changes,
        )

        outcome = before.spatial[RADIUS]
        without = outcome.counted & ~outcome.covered
        people = before.inputs.context.points.population
        lines = common.header(
            "Village clinics within 2.5 km, the rural 30-minute circle, mobile clinic points "
            "(Jishou plan)",
            common.city_name(before.inputs, args.city),
            args.city,
            before.inputs.context.synthetic,
        )
        lines += [
            "Plan: 002_8fac2466e21989cb.txt L12: 「在无村医的27个村配备医疗巡诊点」.",
            "",
            f"Rural residents beyond 2.5 km of every village clinic: "
            f"{int(people[without].sum()):,} (they stand for the villages without a doctor).",
            "",
            f"**Mobile clinic points:** {len(sites)} of {args.points} asked bring "
            f"{result.gain:,.0f} rural residents within 2.5 km "
            f"({'optimal' if result.exact else f'bound {result.bound}'}, {result.solver}, "
            f"{result.solve_s:.2f} s, {result.candidates} candidates).",
            "",
            "## Village clinic radius",
            "",
            *common.compare_table(radius, before, after),
            "## Rural 30-minute circle",
            "",
            *common.compare_table(rules[1], before, after),
            "## Mobile clinic points",
            "",
            *common.table(
                ["point", "lon", "lat", "rural residents newly within 2.5 km"],
                [
                    [f"医疗巡诊点 {n}", f"{s.lon:.5f}", f"{s.lat:.5f}", f"{s.residents:,.0f}"]
                    for n, s in enumerate(sites, start=1)
                ],
            ),
        ]
        if scenario_id is not None:
            lines += [f"Saved as scenario {scenario_id}.", ""]
        lines.append(f"Computed in {time.perf_counter() - started:.1f} s.")
        common.write_report(args.out / "report.md", lines)
        common.write_geojson(
            args.out / "villages_without_doctor.geojson",
            common.zone_features(env.session, before.inputs, without, {"rule": RADIUS}),
        )
        common.write_geojson(
            args.out / "mobile_points.geojson",
            [
                common.point_feature(
                    s.lon,
                    s.lat,
                    {"name": f"医疗巡诊点 {n}", "residents_within_2_5_km": s.residents},
                )
                for n, s in enumerate(sites, start=1)
            ],
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; 0 on success, 2 when the data or the options are wrong."""
    return common.run(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
