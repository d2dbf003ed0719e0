"""Compliance exports a planner opens in Excel: CSV (UTF-8 with BOM) and an XLSX workbook.

The CSV keeps the compliance CSV's columns (:data:`app.services.compliance.CSV_COLUMNS`) with
values rounded for reading, then adds the synthetic flag and the verdict, kind and outcome in the
reader's language. The workbook has a summary sheet, one sheet per rule family, wide by region
(value, target, shortfall and verdict of each norm side by side, units in the headers, verdicts
coloured), the data gaps and a provenance sheet (what is real or synthetic, run, data version,
date). The map layers (GeoJSON, GeoPackage) are in :mod:`app.services.export_layers`.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import DataVersion
from app.schemas.compliance import ComplianceReport, ComplianceResult
from app.services import compliance
from geo import messages
from geo.messages import Lang

if TYPE_CHECKING:
    from geo.norms import Catalogue

TableFormat = Literal["csv", "xlsx"]
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# columns of the compliance CSV that hold figures: rounded for reading
_ROUNDED = ("value", "target", "shortfall", "baseline_value")
# verdict fills: green pass, red fail, amber unknown, grey reference rows
STATUS_FILLS = {
    "pass": "C6EFCE",
    "fail": "FFC7CE",
    "unknown": "FFEB9C",
    "info": "DDEBF7",
    "not_applicable": "EDEDED",
}
_HEADER = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True, slots=True)
class Export:
    """An export's bytes, media type and the file name a browser saves it under."""

    body: bytes
    media_type: str
    filename: str


def data_version(session: Session) -> int | None:
    """The database's data version (bumped by every change of the inputs); None when absent."""
    return session.scalar(select(DataVersion.version))


def rounded(text: str) -> str:
    """A CSV figure with at most four decimals and no trailing zeros (``"5.0"`` → ``"5"``)."""
    if not text:
        return text
    try:
        value = float(text)
    except ValueError:
        return text
    shown = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def report_csv(report: ComplianceReport, lang: Lang, *, bom: bool = True) -> bytes:
    """The compliance CSV for a planner: BOM (Excel on Chinese Windows), rounded figures.

    Columns: the compliance CSV's, then ``synthetic`` (true when the network or facilities are
    synthetic), ``status_label``, ``kind_label`` and ``outcome`` in ``lang``. The data-gap
    block follows after an empty line, as in the compliance CSV.
    """
    source = list(csv.reader(io.StringIO(compliance.report_csv(report))))
    header, rows = source[0], source[1 : 1 + len(report.results)]
    rest = source[1 + len(report.results) :]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*header, "synthetic", "status_label", "kind_label", "outcome"])
    positions = [header.index(name) for name in _ROUNDED if name in header]
    for row, result in zip(rows, report.results, strict=True):
        for position in positions:
            row[position] = rounded(row[position])
        writer.writerow(
            [
                *row,
                str(report.synthetic).lower(),
                messages.label("status", result.status, lang),
                messages.label("kind", result.kind, lang),
                result.outcome(lang),
            ]
        )
    writer.writerows(rest)
    text = buffer.getvalue()
    return ("\ufeff" + text if bom else text).encode()


def _regions(report: ComplianceReport) -> list[tuple[str, str]]:
    """(adcode, name) of the report's regions: the city first, then its units by adcode."""
    names = {r.region_adcode: r.region_name for r in report.results}
    return [(code, names[code]) for code in sorted(names, key=lambda c: (c != report.city, c))]


def _rules(results: Iterable[ComplianceResult]) -> list[ComplianceResult]:
    """One result per rule (its first), in the report's order: the rule's titles and units."""
    seen: dict[str, ComplianceResult] = {}
    for r in results:
        seen.setdefault(r.rule_id, r)
    return list(seen.values())


def _sheet_title(text: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ , unique in the workbook
    clean = "".join("_" if c in "[]:*?/\\" else c for c in text)[:31]
    title, n = clean, 2
    while title in taken:
        title = f"{clean[:28]} {n}"
        n += 1
    taken.add(title)
    return title


def report_xlsx(
    report: ComplianceReport,
    lang: Lang,
    *,
    version: int | None = None,
    exported_at: datetime | None = None,
) -> bytes:
    """The compliance workbook: summary, one sheet per rule family, data gaps, provenance.

    A family sheet has one row per region and, per norm, four columns (value, target, shortfall,
    verdict); row 1 holds the norm's title, row 2 its id, row 3 the column names with units.
    Values are the figures of ``/compliance`` unrounded (the cell format rounds the display).
    """
    book = Workbook()
    taken: set[str] = set()
    summary = book.active
    assert summary is not None
    summary.title = _sheet_title(messages.text("sheet.summary", lang), taken)
    _summary_sheet(summary, report, lang)
    families: dict[str, list[ComplianceResult]] = {}
    for r in report.results:
        families.setdefault(r.kind, []).append(r)
    for kind, results in families.items():
        sheet = book.create_sheet(_sheet_title(messages.label("kind", kind, lang), taken))
        _family_sheet(sheet, report, results, lang)
    if report.data_gaps:
        gaps = book.create_sheet(_sheet_title(messages.text("sheet.data_gaps", lang), taken))
        _data_gap_sheet(gaps, report, lang)
    provenance = book.create_sheet(_sheet_title(messages.text("sheet.provenance", lang), taken))
    _provenance_sheet(provenance, report, lang, version, exported_at or datetime.now(UTC))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(r: ComplianceResult, lang: Lang) -> str:
    return r.title_zh if lang == "zh" else r.title_en


def _unit(unit: str, lang: Lang) -> str:
    label = messages.unit_label(unit, lang)
    return f"（{label}）" if lang == "zh" and label else (f" ({label})" if label else "")


def _number_format(unit: str) -> str:
    return "0.0%" if unit.startswith("share") else "#,##0.##"


def _summary_sheet(sheet: Worksheet, report: ComplianceReport, lang: Lang) -> None:
    t = messages.text
    header = [t("col.region", lang), t("col.adcode", lang)]
    header += [messages.label("status", s, lang) for s in STATUS_FILLS]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = _HEADER
    for code, name in _regions(report):
        counts = dict.fromkeys(STATUS_FILLS, 0)
        for r in report.results:
            if r.region_adcode == code:
                counts[r.status] += 1
        sheet.append([name, code, *counts.values()])
    for column, status in enumerate(STATUS_FILLS, start=3):
        sheet.cell(1, column).fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 12
    sheet.freeze_panes = "C2"


def _family_sheet(
    sheet: Worksheet, report: ComplianceReport, results: list[ComplianceResult], lang: Lang
) -> None:
    t = messages.text
    rules = _rules(results)
    by_key = {(r.rule_id, r.region_adcode): r for r in results}
    sheet.cell(3, 1, t("col.region", lang)).font = _HEADER
    sheet.cell(3, 2, t("col.adcode", lang)).font = _HEADER
    for index, rule in enumerate(rules):
        first = 3 + 4 * index
        # rows 1–3: the norm's title, its id, then the four column names with their units
        sheet.cell(1, first, _title(rule, lang)).font = _HEADER
        sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=first + 3)
        sheet.cell(1, first).alignment = _WRAP
        sheet.cell(2, first, rule.rule_id).font = Font(color="808080", size=9)
        names = (
            t("col.value", lang) + _unit(rule.unit, lang),
            t("col.target", lang) + _unit(rule.unit, lang),
            t("col.shortfall", lang) + _unit(rule.shortfall_unit, lang),
            t("col.status", lang),
        )
        for offset, name in enumerate(names):
            cell = sheet.cell(3, first + offset, name)
            cell.font = _HEADER
            cell.alignment = _WRAP
            sheet.column_dimensions[get_column_letter(first + offset)].width = 13
    for row, (code, name) in enumerate(_regions(report), start=4):
        sheet.cell(row, 1, name)
        sheet.cell(row, 2, code)
        for index, rule in enumerate(rules):
            result = by_key.get((rule.rule_id, code))
            if result is None:
                continue
            first = 3 + 4 * index
            for offset, number in enumerate((result.value, result.target)):
                cell = sheet.cell(row, first + offset, number)
                cell.number_format = _number_format(result.unit)
            shortfall = sheet.cell(row, first + 2, result.shortfall)
            shortfall.number_format = _number_format(result.shortfall_unit)
            verdict = sheet.cell(row, first + 3, messages.label("status", result.status, lang))
            verdict.fill = PatternFill("solid", fgColor=STATUS_FILLS[result.status])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 10
    sheet.row_dimensions[1].height = 45
    sheet.row_dimensions[3].height = 45
    sheet.freeze_panes = "C4"


def _data_gap_sheet(sheet: Worksheet, report: ComplianceReport, lang: Lang) -> None:
    t = messages.text
    sheet.append(
        [
            t("col.rule", lang),
            t("col.rule_id", lang),
            t("col.needs", lang),
            t("col.data_gap", lang),
            t("col.lines", lang),
            t("col.quote", lang),
        ]
    )
    for cell in sheet[1]:
        cell.font = _HEADER
    for gap in report.data_gaps:
        title = gap.title_zh if lang == "zh" else gap.title_en
        sheet.append(
            [
                title,
                gap.rule_id,
                ("、" if lang == "zh" else ", ").join(gap.needs_in(lang)),
                gap.why(lang),
                gap.citation.lines,
                gap.citation.quote,
            ]
        )
    for letter, width in zip("ABCDEF", (28, 24, 28, 40, 12, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def _share_text(share: float | None) -> str:
    """A share as a percentage with one decimal; empty when unknown."""
    return "" if share is None else f"{share:.1%}"


def _provenance_sheet(
    sheet: Worksheet,
    report: ComplianceReport,
    lang: Lang,
    version: int | None,
    exported_at: datetime,
) -> None:
    t = messages.text
    plan = report.plan
    title = plan.plan_title_zh if lang == "zh" else plan.plan_title_en
    source = "synthetic" if report.synthetic else "real"
    rows: list[tuple[str, object]] = [
        (t("export.city", lang), f"{report.city_name} {report.city}"),
        (t("export.plan", lang), f"《{title}》 {plan.document_number or ''}".strip()),
        (t("col.document_number", lang), plan.document_number or ""),
        (
            t("export.scenario", lang),
            report.scenario_id if report.scenario_id else t("export.baseline", lang),
        ),
        (t("export.run", lang), report.run_id),
        (t("export.network", lang), f"#{report.network_id}"),
        (t("export.real_road_share", lang), _share_text(report.real_road_share)),
        (
            t("col.synthetic", lang),
            t("export.synthetic_some" if report.synthetic else "export.synthetic_none", lang),
        ),
        (t("export.facilities", lang), messages.label("source", source, lang)),
        (t("export.computed_at", lang), report.created_at.strftime("%Y-%m-%d %H:%M UTC")),
        (t("export.exported_at", lang), exported_at.strftime("%Y-%m-%d %H:%M UTC")),
        (t("export.data_version", lang), "" if version is None else version),
    ]
    sheet.append([t("col.item", lang), t("col.detail", lang)])
    for cell in sheet[1]:
        cell.font = _HEADER
    for row in rows:
        sheet.append(list(row))
    if report.synthetic:
        for cell in sheet[9]:
            cell.fill = PatternFill("solid", fgColor=STATUS_FILLS["unknown"])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 60


ExportFormat = Literal["csv", "xlsx", "geojson", "gpkg"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "geojson", "gpkg")
EXPORT_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_MEDIA,
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


def export_report(
    session: Session,
    report: ComplianceReport,
    catalogue: "Catalogue",
    fmt: ExportFormat,
    lang: Lang,
) -> Export:
    """``report`` as a file in ``fmt``, named ``compliance-<city>[-scenario-<id>].<fmt>``."""
    from app.services.export_layers import report_layers

    report = report.for_reader(lang)
    stem = f"compliance-{report.city}"
    if report.scenario_id is not None:
        stem += f"-scenario-{report.scenario_id}"
    if fmt == "csv":
        body = report_csv(report, lang)
    elif fmt == "xlsx":
        body = report_xlsx(report, lang, version=data_version(session))
    else:
        body = report_layers(session, report, catalogue, fmt, lang)
    return Export(body, EXPORT_MEDIA[fmt], f"{stem}.{fmt}")
