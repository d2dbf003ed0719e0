"""What ``fplan check`` prints: the results a question asks for, in the reader's language.

Two layouts of the same content. The table (a terminal wide enough for it) groups results by
region in columns; the compact layout (piped output, or a terminal narrower than
:data:`TABLE_MIN_WIDTH`) gives each result a block whose first line always holds value, target,
shortfall and verdict, so nothing of the answer is cut at 80 columns. Every word comes from the
message catalogue (:mod:`geo.messages`).
"""

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.schemas.compliance import ComplianceReport, ComplianceResult
from geo import messages
from geo.messages import Lang

# below this width the table's columns would fold the figures: the compact layout is used
TABLE_MIN_WIDTH = 120
_COLOURS = {
    "pass": "green",
    "fail": "red",
    "unknown": "yellow",
    "info": "cyan",
    "not_applicable": "dim",
}


class SelectionError(ValueError):
    """A ``--rule`` or ``--region`` that names nothing in the report (the message says what)."""


def select_results(
    report: ComplianceReport,
    *,
    rules: Sequence[str] = (),
    regions: Sequence[str] = (),
    failing: bool = False,
    lang: Lang = messages.DEFAULT_LANG,
) -> list[ComplianceResult]:
    """The results of the named rules and regions (all when none), failing ones only if asked.

    A rule is named by its id (``yongzhou.ambulance_fleet``) or the part after the city
    (``ambulance_fleet``); a region by its adcode or its name (``零陵区``).
    """
    known_rules = list(dict.fromkeys(r.rule_id for r in report.results))
    wanted_rules: set[str] = set()
    for name in rules:
        match = [rule for rule in known_rules if name in (rule, rule.split(".", 1)[-1])]
        if not match:
            known = ", ".join(known_rules)
            raise SelectionError(
                messages.text("check.unknown_rule", lang, city=report.city, rule=name, known=known)
            )
        wanted_rules.update(match)
    names = {r.region_adcode: r.region_name for r in report.results}
    wanted_regions: set[str] = set()
    for name in regions:
        match = [code for code, region in names.items() if name in (code, region)]
        if not match:
            raise SelectionError(
                messages.text("check.unknown_region", lang, city=report.city, region=name)
            )
        wanted_regions.update(match)
    return [
        r
        for r in report.results
        if (not wanted_rules or r.rule_id in wanted_rules)
        and (not wanted_regions or r.region_adcode in wanted_regions)
        and (not failing or r.status == "fail")
    ]


def _value(number: float | None, unit: str, lang: Lang) -> str:
    return messages.value_text(number, unit, lang)


def _shortfall(r: ComplianceResult, lang: Lang) -> str:
    if r.shortfall is None:
        return messages.text("value.unknown", lang)
    if messages.has(f"count.{r.shortfall_unit}", lang):
        # a count with its measure word: 25 辆救护车
        return messages.amount_text(r.shortfall, r.shortfall_unit, lang)
    unit = messages.unit_label(r.shortfall_unit, lang)
    return f"{_value(r.shortfall, r.shortfall_unit, lang)} {unit}".strip()


def _status(r: ComplianceResult, lang: Lang) -> str:
    return f"[{_COLOURS[r.status]}]{messages.label('status', r.status, lang)}[/]"


def _title(r: ComplianceResult, lang: Lang) -> str:
    return r.title_zh if lang == "zh" else r.title_en


def _basis(r: ComplianceResult, lang: Lang) -> str:
    """约束性 / 预期性, the target year, the plan's baseline and the unit."""
    parts = [messages.label("binding", r.binding, lang)] if r.binding else []
    if r.year is not None:
        parts.append(str(r.year))
    if r.baseline is not None:
        baseline = _value(r.baseline.value, r.unit, lang)
        parts.append(f"{messages.text('col.baseline', lang)} {baseline} ({r.baseline.year})")
    parts.append(messages.unit_label(r.unit, lang))
    return " · ".join(part for part in parts if part)


def _by_region(
    report: ComplianceReport, results: Sequence[ComplianceResult]
) -> dict[str, list[ComplianceResult]]:
    groups: dict[str, list[ComplianceResult]] = {}
    # the city first, then its units by adcode
    for r in sorted(results, key=lambda r: (r.region_adcode != report.city, r.region_adcode)):
        groups.setdefault(r.region_adcode, []).append(r)
    return groups


def print_heading(console: Console, report: ComplianceReport, lang: Lang) -> None:
    """The city, the run and the plan by title and document number."""
    t = messages.text
    reused = t("check.reused", lang) if report.reused else ""
    plan = report.plan
    number = f" {plan.document_number}" if plan.document_number else ""
    console.print(
        "[bold]"
        + escape(
            t(
                "check.title",
                lang,
                city=report.city_name,
                adcode=report.city,
                run=report.run_id,
                reused=reused,
            )
        )
        + "[/bold]"
    )
    console.print(
        escape(
            t(
                "check.plan",
                lang,
                title=plan.plan_title_zh if lang == "zh" else plan.plan_title_en,
                number=number,
                issuer=plan.issuer_zh,
            )
        )
    )


def print_table(
    console: Console,
    report: ComplianceReport,
    results: Sequence[ComplianceResult],
    lang: Lang,
) -> None:
    """One table per region: norm, value, target, verdict, shortfall and outcome, plan lines."""
    t = messages.text
    for code, rows in _by_region(report, results).items():
        table = Table(title=f"{rows[0].region_name} {code}")
        # Chinese has no spaces to wrap at: long cells fold instead of being cut short
        table.add_column(t("col.rule", lang), ratio=2, overflow="fold")
        table.add_column(t("col.value", lang), justify="right", no_wrap=True)
        table.add_column(t("col.target", lang), justify="right", no_wrap=True)
        table.add_column(t("col.status", lang), no_wrap=True)
        table.add_column(t("col.shortfall", lang), justify="right", no_wrap=True)
        table.add_column(t("col.outcome", lang), ratio=3, overflow="fold")
        table.add_column(t("col.lines", lang), no_wrap=True)
        for r in rows:
            table.add_row(
                f"{escape(_title(r, lang))}\n[dim]{escape(_basis(r, lang))}[/dim]",
                _value(r.value, r.unit, lang),
                _value(r.target, r.unit, lang),
                _status(r, lang),
                escape(_shortfall(r, lang)),
                escape(r.outcome(lang)),
                messages.plan_lines(r.citation.lines, lang),
            )
        console.print(table)


def print_compact(
    console: Console,
    report: ComplianceReport,
    results: Sequence[ComplianceResult],
    lang: Lang,
) -> None:
    """One block per region, one per result: verdict and figures (value, target, shortfall)
    on the result's first line, then the norm's title, basis and outcome."""
    t = messages.text
    for code, rows in _by_region(report, results).items():
        console.print(f"[bold]{escape(rows[0].region_name)} {code}[/bold]")
        for r in rows:
            figures = (
                f"{t('col.value', lang)} {_value(r.value, r.unit, lang)} · "
                f"{t('col.target', lang)} {_value(r.target, r.unit, lang)} · "
                f"{t('col.shortfall', lang)} {_shortfall(r, lang)}"
            )
            # the verdict and figures first, on a line short enough for 80 columns
            console.print(f"  {_status(r, lang)} · {escape(figures)}", soft_wrap=True)
            console.print(f"    {escape(_title(r, lang))}", soft_wrap=True)
            lines = messages.plan_lines(r.citation.lines, lang)
            console.print(f"    [dim]{escape(_basis(r, lang))} · {lines}[/dim]", soft_wrap=True)
            outcome = r.outcome(lang)
            if outcome:
                console.print(f"    {escape(outcome)}", soft_wrap=True)


def print_footer(
    console: Console,
    report: ComplianceReport,
    shown: int,
    lang: Lang,
) -> None:
    """Counts by verdict, how many are shown, the data gaps and the synthetic warning."""
    t = messages.text
    counts = report.counts
    console.print(
        t(
            "check.counts",
            lang,
            n=len(report.results),
            passed=counts.get("pass", 0),
            failed=counts.get("fail", 0),
            unknown=counts.get("unknown", 0),
            info=counts.get("info", 0),
            na=counts.get("not_applicable", 0),
        )
    )
    if shown != len(report.results):
        console.print(t("check.shown", lang, shown=shown, n=len(report.results)))
    if shown == 0:
        console.print(t("check.none", lang))
    if report.data_gaps:
        console.print(escape(t("check.data_gaps", lang, n=len(report.data_gaps))))
        for gap in report.data_gaps:
            title = gap.title_zh if lang == "zh" else gap.title_en
            line = t(
                "check.data_gap",
                lang,
                title=title,
                rule=gap.rule_id.split(".", 1)[-1],
                lines=messages.plan_lines(gap.citation.lines, lang),
                needs=("、" if lang == "zh" else ", ").join(gap.needs_in(lang)),
            )
            console.print(escape(line), soft_wrap=True)
    if report.synthetic:
        console.print(f"[yellow]{escape(t('check.synthetic', lang))}[/yellow]")
