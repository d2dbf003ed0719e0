"""Changsha: how many community health centres, and where, close the 15-minute gap.

The plan's "1530" circle (``003_49c39440a1a62ee3.txt`` L31, ``changsha.care_circle_1530``) is
read as 15 minutes by car for urban residents and 30 for rural ones. Community health centres
serve the urban communities (社区), so the script closes the urban, 15-minute part: the fewest new
centres, at network nodes where urban residents are beyond 15 minutes (one candidate per
``--spacing-m`` square), that bring every urban resident any candidate can reach within 15
minutes of a place of care (LSCP). ``--max-centres`` instead places at most that many where they
reach the most urban residents (MCLP).

Outputs: ``report.md`` (the rule before and after, per district and county, and the centres),
``centres.geojson`` (the new centres), ``gaps_before.geojson`` / ``gaps_after.geojson`` (urban
residents beyond 15 minutes).
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
from geo.norms import Rule
from scenarios import _common as common
from scenarios._parser import help_text

PLAN = "430100"
CIRCLE = "changsha.care_circle_1530"


def urban_part(rule: Rule) -> Rule:
    """The rule for its urban residents only (its urban threshold, its citation)."""
    data = rule.model_dump(mode="json")
    params = {k: v for k, v in data["parameters"].items() if k != "kind"}
    params["minutes_rural"] = None
    data["parameters"] = params
    data["applies_to"] = [scope for scope in data["applies_to"] if scope != "rural"]
    data["target"] = {"value": params["minutes_urban"], "unit": data["target"]["unit"]}
    data["title_zh"] = f"{rule.title_zh}（城镇15分钟部分）"
    data["title_en"] = f"{rule.title_en} — urban part"
    # its own id, so that its results are told apart from the whole rule's
    data["id"] = f"{rule.id}_urban"
    return Rule.model_validate(data)


def _body(argv: Sequence[str] | None) -> int:
    p = common.parser("changsha_chc", default_city=PLAN)
    p.add_argument(
        "--spacing-m",
        type=common.positive_float,
        default=None,
        help=help_text("scenario.opt.spacing_m"),
    )
    p.add_argument(
        "--max-centres",
        type=common.positive_int,
        default=None,
        help=help_text("scenario.changsha_chc.opt.max_centres"),
    )
    p.add_argument(
        "--time-limit",
        type=common.positive_float,
        default=120.0,
        help=help_text("scenario.opt.time_limit"),
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    with common.environment(args) as env:
        full = common.plan_rule(env, PLAN, CIRCLE)
        urban = urban_part(full)
        rules = [urban, full]
        before = common.evaluate(env, args.city, rules)
        request = OptimizeRequest(
            city=args.city,
            model="lscp" if args.max_centres is None else "mclp",
            k=args.max_centres,
            facility_type="community_health_center",
            candidates="gaps",
            spacing_m=args.spacing_m,
            time_limit_s=args.time_limit,
        )
        proposed = common.propose_gap_sites(
            env, args.city, request, rule=urban, rules=rules, name=env.t("changsha_chc.centre")
        )
        result, sites, changes = proposed.result, proposed.sites, proposed.changes
        after = proposed.after
        scenario_id = common.save_scenario(
            env,
            args,
            description=env.t("changsha_chc.description"),
            changes=changes,
        )
        outcome = before.spatial[urban.id]
        beyond = outcome.counted & ~outcome.covered
        people = before.inputs.context.points.population
        unreachable = result.uncovered_residents
        t = env.t
        lines = common.header(
            env,
            "changsha_chc",
            common.city_name(before.inputs, args.city),
            args.city,
            before.inputs.context.synthetic,
        )
        lines += [
            t("plan", cite=common.cite(env, full)),
            "",
            t("changsha_chc.beyond", n=f"{int(people[beyond].sum()):,}"),
            "",
            t(
                "changsha_chc.centres",
                n=len(sites),
                how=common.solved(env, result),
                gain=f"{result.gain:,.0f}",
            )
            + (t("changsha_chc.unreachable", n=f"{unreachable:,.0f}") if unreachable else ""),
            "",
            f"## {t('changsha_chc.urban_part')}",
            "",
            *common.compare_table(env, urban, before, after),
            f"## {t('changsha_chc.whole')}",
            "",
            *common.compare_table(env, full, before, after),
            f"## {t('changsha_chc.new_centres')}",
            "",
            *common.table(
                [t("col.centre"), t("col.lon"), t("col.lat"), t("changsha_chc.col_gained")],
                [
                    [
                        f"{t('changsha_chc.centre')} {n}",
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
            written = [common.write_report(args.out / "report.md", lines)]
            written.append(
                common.write_geojson(
                    args.out / "centres.geojson",
                    [
                        common.point_feature(
                            s.lon,
                            s.lat,
                            {
                                "name": f"{t('changsha_chc.centre')} {n}",
                                "urban_residents_gained": s.residents,
                            },
                        )
                        for n, s in enumerate(sites, start=1)
                    ],
                )
            )
            for label, evaluation in (("before", before), ("after", after)):
                spatial = evaluation.spatial[urban.id]
                written.append(
                    common.write_geojson(
                        args.out / f"gaps_{label}.geojson",
                        common.zone_features(
                            env.session,
                            evaluation.inputs,
                            spatial.counted & ~spatial.covered,
                            {
                                **common.rule_properties(env, urban),
                                "part": t("changsha_chc.urban_part"),
                            },
                        ),
                    )
                )
        common.finish(env, args.out, written)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the script; 0 on success, 2 when the data or the options are wrong."""
    return common.run(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
