"""The compliance report a bureau files: HTML, or a PDF typeset on A4 by WeasyPrint.

Per city and per county-level unit: the plan's norms grouped by family in the catalogue's order,
each with its verdict, value against target with units, shortfall in natural units, the plan's
quote with lines and document number, and the catalogue's interpretation; a map (units by
failing norms, gap zones, facilities) and a chart per norm (each unit against the target);
the data gaps; provenance (real or synthetic inputs), the date and the data version. For a
scenario the figures stand beside the baseline's. Chinese is typeset with Debian's CJK fonts.
"""

from datetime import UTC, datetime
from html import escape
from typing import Literal

from sqlalchemy.orm import Session

from app.schemas.compliance import ComplianceReport, ComplianceResult, DataBasisPublic
from app.services import export_layers, exports, report_figures
from geo import messages
from geo.messages import Lang
from geo.norms import Catalogue

ReportFormat = Literal["html", "pdf"]
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}

_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #666; } }
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; font-size: 9.5pt;
  line-height: 1.45; color: #222; }
h1 { font-size: 17pt; margin: 0 0 4pt; } h2 { font-size: 13pt; margin: 14pt 0 6pt;
  border-bottom: 1.5pt solid #1f4e79; color: #1f4e79; }
h3 { font-size: 10.5pt; margin: 10pt 0 3pt; }
h2, h3, .meta { break-after: avoid; }
.meta { color: #555; font-size: 8.5pt; } .warn { background: #fff4ce; padding: 4pt 6pt; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0 6pt; font-size: 8.5pt; }
th, td { border: 0.5pt solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eef3f8; } td.num { text-align: right; white-space: nowrap; }
.pass { background: #c6efce; } .fail { background: #ffc7ce; } .unknown { background: #ffeb9c; }
.info { background: #ddebf7; } .not_applicable { background: #ededed; }
td.pass, td.fail, td.unknown, td.info, td.not_applicable { white-space: nowrap; }
blockquote { margin: 3pt 0; padding: 3pt 6pt; border-left: 2.5pt solid #1f4e79;
  background: #f5f7fa; font-size: 8.5pt; }
/* a norm flows on from the one before; a row, a quote or a chart is never split */
tr, blockquote, figure { break-inside: avoid; } figure { margin: 4pt 0; text-align: center; }
figure img { image-resolution: 200dpi; max-width: 100%; }
figure img.map { max-height: 160mm; }
"""


def _title(r: ComplianceResult, lang: Lang) -> str:
    return r.title_zh if lang == "zh" else r.title_en


def _figure(r: ComplianceResult | None, value: float | None, unit: str, lang: Lang) -> str:
    return messages.value_text(value, unit, lang) if r is not None else ""


def _shortfall(r: ComplianceResult, lang: Lang) -> str:
    if r.shortfall is None:
        return messages.text("value.unknown", lang)
    unit = messages.unit_label(r.shortfall_unit, lang)
    return f"{messages.value_text(r.shortfall, r.shortfall_unit, lang)} {unit}".strip()


def _rows_table(
    rows: list[ComplianceResult],
    before: dict[tuple[str, str], ComplianceResult] | None,
    lang: Lang,
) -> str:
    t = messages.text
    unit = messages.unit_label(rows[0].unit, lang)
    head = [t("col.region", lang)]
    if before is not None:
        head.append(f"{t('report.baseline_col', lang)}（{unit}）")
    head += [
        f"{t('col.value', lang)}（{unit}）" if unit else t("col.value", lang),
        t("col.target", lang),
        t("col.shortfall", lang),
        t("col.status", lang),
        t("col.outcome", lang),
    ]
    lines = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        cells = [f"<td>{escape(r.region_name)}</td>"]
        if before is not None:
            old = before.get((r.rule_id, r.region_adcode))
            shown = _figure(old, old.value if old else None, r.unit, lang)
            cells.append(f'<td class="num">{escape(shown)}</td>')
        cells += [
            f'<td class="num">{escape(messages.value_text(r.value, r.unit, lang))}</td>',
            f'<td class="num">{escape(messages.value_text(r.target, r.unit, lang))}</td>',
            f'<td class="num">{escape(_shortfall(r, lang))}</td>',
            f'<td class="{r.status}">{escape(messages.label("status", r.status, lang))}</td>',
            f"<td>{escape(r.outcome(lang))}</td>",
        ]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines.append("</table>")
    return "".join(lines)


def _rule_section(
    rows: list[ComplianceResult],
    before: dict[tuple[str, str], ComplianceResult] | None,
    lang: Lang,
    report: ComplianceReport,
) -> str:
    t = messages.text
    first = rows[0]
    label = [messages.label("binding", first.binding, lang)] if first.binding else []
    if first.year is not None:
        label.append(str(first.year))
    failing = sum(1 for r in rows if r.status == "fail")
    parts = [
        '<div class="rule">',
        f"<h3>{escape(_title(first, lang))}</h3>",
        f'<p class="meta">{escape(" · ".join(label))} · '
        f"{escape(t('report.failing_units', lang, n=failing))}</p>",
        _rows_table(rows, before, lang),
    ]
    number = report.plan.document_number or ""
    lines = messages.plan_lines(first.citation.lines, lang)
    parts.append(
        f"<blockquote>{escape(t('report.quote', lang))}（{escape(lines)}"
        f"{'，' + escape(number) if number else ''}）：{escape(first.citation.quote)}</blockquote>"
    )
    reading = first.reading(lang)
    if reading:
        parts.append(
            f'<p class="meta">{escape(t("report.interpretation", lang))}：{escape(reading)}</p>'
        )
    # a chart where units fall short: where they stand against the target
    chart = (
        report_figures.rule_chart(
            [r for r in rows if r.region_adcode != report.city and r.status != "not_applicable"],
            lang,
        )
        if failing
        else None
    )
    if chart is not None:
        parts.append(f"<figure>{chart}</figure>")
    parts.append("</div>")
    return "".join(parts)


def report_html(
    session: Session,
    report: ComplianceReport,
    catalogue: Catalogue,
    lang: Lang,
    *,
    baseline: ComplianceReport | None = None,
) -> str:
    """The report as one self-contained HTML page (inline SVG, no external file)."""
    t = messages.text
    plan = report.plan
    city = report.city_name
    title = (
        t("report.scenario_title", lang, city=city, scenario=report.scenario_id)
        if report.scenario_id is not None
        else t("report.title", lang, city=city)
    )
    version = exports.data_version(session)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    plan_title = plan.plan_title_zh if lang == "zh" else plan.plan_title_en
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">《{escape(plan_title)}》 {escape(plan.document_number or "")} · '
        f"{escape(plan.issuer_zh)}<br>"
        f"{escape(t('report.generated', lang, date=now, version=version, run=report.run_id))}</p>",
    ]
    if report.synthetic:
        body.append(f'<p class="warn">{escape(t("export.synthetic_some", lang))}</p>')
    counts = report.counts
    body.append(f"<h2>{escape(t('report.summary', lang))}</h2>")
    body.append(
        "<p>"
        + escape(
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
        + "</p>"
    )
    verdicts = export_layers.verdict_frame(session, report, lang)
    gaps = report_figures.gap_cells(session, report.run_id)
    facilities = report_figures.city_facilities(session, report.city)
    body.append(f"<h2>{escape(t('report.map', lang))}</h2>")
    body.append(f"<figure>{report_figures.overview_map(verdicts, gaps, facilities, lang)}</figure>")
    body.append(f"<h2>{escape(t('report.norms', lang))}</h2>")
    before = {(r.rule_id, r.region_adcode): r for r in baseline.results} if baseline else None
    by_rule: dict[str, list[ComplianceResult]] = {}
    for r in report.results:
        by_rule.setdefault(r.rule_id, []).append(r)
    # the plan's norms by family, in the catalogue's order
    order = [rule.id for rule in catalogue.rules]
    families: dict[str, list[str]] = {}
    for rule_id in sorted(by_rule, key=lambda k: order.index(k) if k in order else len(order)):
        families.setdefault(by_rule[rule_id][0].kind, []).append(rule_id)
    for kind, rule_ids in families.items():
        body.append(f"<h2>{escape(messages.label('kind', kind, lang))}</h2>")
        body.extend(_rule_section(by_rule[k], before, lang, report) for k in rule_ids)
    if report.data_gaps:
        body.append(f"<h2>{escape(t('report.data_gaps', lang))}</h2><ul>")
        for gap in report.data_gaps:
            gap_title = gap.title_zh if lang == "zh" else gap.title_en
            needs = ("、" if lang == "zh" else ", ").join(gap.needs_in(lang))
            lines = messages.plan_lines(gap.citation.lines, lang)
            body.append(
                f"<li><b>{escape(gap_title)}</b>（{escape(lines)}）："
                f"{escape(gap.citation.quote)}<br>{escape(gap.why(lang))} "
                f"{escape(t('report.needs', lang, needs=needs))}</li>"
            )
        body.append("</ul>")
    body.append(f"<h2>{escape(t('report.provenance', lang))}</h2>")
    inputs = t("export.synthetic_some" if report.synthetic else "export.synthetic_none", lang)
    share = report.real_road_share
    real_roads = "" if share is None else f"{share:.1%}"
    real = int((~facilities["synthetic"]).sum()) if not facilities.empty else 0
    synthetic = int(facilities["synthetic"].sum()) if not facilities.empty else 0
    body.append(
        "<table>"
        f"<tr><th>{escape(t('report.real_facilities', lang))}</th><td>{real}</td></tr>"
        f"<tr><th>{escape(t('report.synthetic_facilities', lang))}</th><td>{synthetic}</td></tr>"
        f"<tr><th>{escape(t('export.network', lang))}</th><td>#{report.network_id}</td></tr>"
        f"<tr><th>{escape(t('export.real_road_share', lang))}</th><td>{real_roads}</td></tr>"
        f"<tr><th>{escape(t('col.synthetic', lang))}</th><td>"
        f"{escape(inputs)}</td></tr>"
        f"<tr><th>{escape(t('export.data_version', lang))}</th><td>{version}</td></tr>"
        f"<tr><th>{escape(t('export.computed_at', lang))}</th>"
        f"<td>{report.created_at:%Y-%m-%d %H:%M UTC}</td></tr>"
        "</table>"
    )
    if report.basis is not None:
        body.append(_basis_table(report.basis, lang))
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def _basis_table(basis: DataBasisPublic, lang: Lang) -> str:
    """The population source, then per region residents on real roads and real facilities."""
    t = messages.text
    source = basis.population
    if source is None:
        said = t("value.unknown", lang)
    elif source.file is None:
        said = messages.label("population_kind", source.kind, lang)
    else:
        unknown = t("value.unknown", lang)
        said = t(
            "report.population_file",
            lang,
            kind=messages.label("population_kind", source.kind, lang),
            file=source.file,
            file_date=source.file_date or unknown,
            imported_at=source.imported_at or unknown,
        )
    rows = [
        f"<h2>{escape(t('report.basis', lang))}</h2>"
        f"<p>{escape(t('report.population_source', lang))}：{escape(said)}</p>"
        f"<table><tr><th>{escape(t('col.region', lang))}</th>"
        f"<th>{escape(t('report.basis_residents', lang))}</th>"
        f"<th>{escape(t('report.basis_real_roads', lang))}</th>"
        f"<th>{escape(t('report.basis_real_facilities', lang))}</th></tr>"
    ]
    for region in basis.regions:
        roads = messages.value_text(region.real_road_share, "share", lang)
        facilities = messages.value_text(region.real_facility_share, "share", lang)
        rows.append(
            f"<tr><td>{escape(region.region_name)}</td><td>{region.residents:,}</td>"
            f"<td>{escape(roads)}</td><td>{escape(facilities)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def render_report(
    session: Session,
    report: ComplianceReport,
    catalogue: Catalogue,
    fmt: ReportFormat,
    lang: Lang,
    *,
    baseline: ComplianceReport | None = None,
) -> bytes:
    """The report as HTML bytes, or typeset to PDF by WeasyPrint."""
    page = report_html(session, report, catalogue, lang, baseline=baseline)
    if fmt == "html":
        return page.encode()
    from weasyprint import HTML

    pdf: bytes = HTML(string=page).write_pdf()
    return pdf
