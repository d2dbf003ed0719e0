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
    # run as a file: the project root on the path, and the project's own Python
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from scenarios._launch import use_project_python

    use_project_python(__file__)

from app.schemas.optimize import OptimizeRequest
from scenarios import _common as common
from scenarios._parser import help_text

PLAN = "433101"
RADIUS, CIRCLE = "jishou.village_clinic_radius", "jishou.rural_care_circle_30min"
# villages without a village doctor that get a mobile clinic point (L12)
MOBILE_POINTS = 27


def _body(argv: Sequence[str] | None) -> int:
    p = common.parser("jishou_villages", default_city=PLAN)
    p.add_argument(
        "--points",
        type=common.positive_int,
        default=MOBILE_POINTS,
        help=help_text("scenario.jishou_villages.opt.points"),
    )
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
        help=help_text("scenario.opt.time_limit"),
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
            env, args.city, request, rule=radius, rules=rules, name=env.t("jishou_villages.point")
        )
        result, sites, changes = proposed.result, proposed.sites, proposed.changes
        after = proposed.after
        scenario_id = common.save_scenario(
            env,
            args,
            description=env.t("jishou_villages.description"),
            changes=changes,
        )

        outcome = before.spatial[RADIUS]
        without = outcome.counted & ~outcome.covered
        people = before.inputs.context.points.population
        t = env.t
        lines = common.header(
            env,
            "jishou_villages",
            common.city_name(before.inputs, args.city),
            args.city,
            before.inputs.context.synthetic,
        )
        lines += [
            # the 27 villages without a village doctor, L12
            t("plan", cite=common.cite_plan(env, PLAN, 12, 12, "在无村医的27个村配备医疗巡诊点")),
            "",
            t("jishou_villages.without", n=f"{int(people[without].sum()):,}"),
            "",
            t(
                "jishou_villages.points",
                n=len(sites),
                asked=args.points,
                gain=f"{result.gain:,.0f}",
                how=common.solved(env, result),
            ),
            "",
            f"## {t('jishou_villages.radius')}",
            "",
            *common.compare_table(env, radius, before, after),
            f"## {t('jishou_villages.circle')}",
            "",
            *common.compare_table(env, rules[1], before, after),
            f"## {t('jishou_villages.mobile')}",
            "",
            *common.table(
                [t("col.point"), t("col.lon"), t("col.lat"), t("jishou_villages.col_gained")],
                [
                    [
                        f"{t('jishou_villages.point')} {n}",
                        f"{s.lon:.5f}",
                        f"{s.lat:.5f}",
                        f"{s.residents:,.0f}",
                    ]
                    for n, s in enumerate(sites, start=1)
                ],
            ),
            *common.footer(env, scenario_id, started),
        ]
        with env.steps.step("write"):
            written = [
                common.write_report(args.out / "report.md", lines),
                common.write_geojson(
                    args.out / "villages_without_doctor.geojson",
                    common.zone_features(
                        env.session, before.inputs, without, common.rule_properties(env, radius)
                    ),
                ),
                common.write_geojson(
                    args.out / "mobile_points.geojson",
                    [
                        common.point_feature(
                            s.lon,
                            s.lat,
                            {
                                "name": f"{env.t('jishou_villages.point')} {n}",
                                "residents_within_2_5_km": s.residents,
                            },
                        )
                        for n, s in enumerate(sites, start=1)
                    ],
                ),
            ]
        common.finish(env, args.out, written)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; 0 on success, 2 when the data or the options are wrong."""
    return common.run(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
