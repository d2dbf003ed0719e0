"""A bureau's facility register from Excel or CSV: read, named in the register's terms, imported.

``fplan facilities import FILE`` reads an ``.xlsx`` (first sheet, first row the header) or a
``.csv`` (UTF-8 with or without BOM, or GBK / GB18030 as Chinese Excel saves it), maps its
headers and its type, grade and ownership values from Chinese or English to the register's codes
(:mod:`app.services.register_terms`, or a ``--columns`` map of the file's own headers), and hands
the result to the API's import (:func:`app.services.imports.import_facilities`): the same checks,
all rows or none, every bad row named. A register then stands for the facilities of its types in
its cities: the synthetic facilities of those types there are removed in the same transaction.
"""

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import InvalidInputError
from app.schemas.imports import FacilityImportResult
from app.services import imports
from app.services._encodings import decode_text
from app.services._tx import transaction
from app.services.register_terms import column_code, value_code

SUFFIXES = (".xlsx", ".csv")


@dataclass
class RegisterImport:
    """What an import did: the API's result, and the synthetic facilities it replaced."""

    result: FacilityImportResult
    types: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    # synthetic facilities removed, by type
    replaced: dict[str, int] = field(default_factory=dict)


def parse_column_map(text: str | None) -> dict[str, str]:
    """``"医院名称=name,X坐标=lon"`` → ``{"医院名称": "name", "X坐标": "lon"}``."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        source, sep, target = part.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise InvalidInputError.worded("error.register.column_map", field="columns", part=part)
        mapping[source.strip()] = target.strip()
    return mapping


def _decode(content: bytes) -> str:
    # the upload's decoding: UTF-8 (±BOM), UTF-16 with BOM, GB18030/GBK (±BOM); Big5 refused
    return decode_text(content)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # a count Excel stores as 120.0 is the whole number 120
        return str(int(value))
    return str(value)


def read_table(path: Path) -> list[list[str]]:
    """The rows of an ``.xlsx`` (first sheet) or ``.csv`` file as text cells, header first."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInputError.worded(
                "error.register.workbook", field="file", name=path.name, reason=str(exc)
            ) from exc
        try:
            sheet = workbook.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    if suffix == ".csv":
        return list(csv.reader(io.StringIO(_decode(path.read_bytes()), newline="")))
    raise InvalidInputError.worded(
        "error.register.suffix", field="file", name=path.name, suffixes=", ".join(SUFFIXES)
    )


def normalise(rows: list[list[str]], columns: dict[str, str] | None = None) -> bytes:
    """The register as the API's UTF-8 CSV: codes for headers and values, an id for every row.

    Rows keep their places (blank ones too), so the import's row numbers are the file's data
    rows from 1 and its line numbers the file's lines (the sheet's rows for Excel).
    """
    if not rows:
        return b""
    header = [(columns or {}).get(h.strip(), column_code(h)) for h in rows[0]]
    # a register without ids: the data row number is the id
    numbered = "id" not in header
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *header] if numbered else header)
    for number, cells in enumerate(rows[1:], start=1):
        padded = cells + [""] * (len(header) - len(cells)) if len(cells) < len(header) else cells
        values = [value_code(c, v.strip()) for c, v in zip(header, padded, strict=False)]
        values += padded[len(header) :]
        if numbered:
            # a blank row stays blank (the import skips it), the others get their number
            blank = not any(v.strip() for v in padded)
            values = ["", *values] if blank else [str(number), *values]
        writer.writerow(values)
    return out.getvalue().encode("utf-8")


def import_register(
    session: Session,
    path: Path,
    *,
    crs: str,
    city_adcode: str | None = None,
    columns: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RegisterImport:
    """Import a register file; replace the synthetic facilities of its types in its cities.

    ``progress`` is called with each step's key as it starts: ``read_file``, ``import_rows``.

    Parameters
    ----------
    session
        A database session; one transaction covers the import and the replacement.
    path
        The ``.xlsx`` or ``.csv`` register; its file name becomes each facility's ``source``.
    crs
        Datum of the coordinates: ``wgs84``, ``gcj02`` (Amap, Tencent) or ``bd09`` (Baidu).
    city_adcode
        When given, every facility must lie in this city.
    columns
        The file's own headers mapped to register columns, before the standard table.

    Raises
    ------
    InvalidInputError
        Listing every bad row (data row from 1, file line, field, reason); nothing is written.
    """
    say = progress or (lambda _: None)
    say("read_file")
    content = normalise(read_table(path), columns)
    say("import_rows")
    with transaction(session):
        result = imports.import_facilities(
            session,
            content,
            filename=path.name,
            crs=crs,
            city_adcode=city_adcode,
            file_format="csv",
        )
        imported = session.execute(
            select(Facility.type, Region.city_adcode)
            .join(Region, Region.adcode == Facility.region_adcode)
            .where(Facility.id.in_(result.ids))
        ).all()
        types = sorted({t for t, _ in imported})
        # the city asked for (a county-level city such as Jishou is its own), else the register's
        cities = (
            [city_adcode]
            if city_adcode is not None
            else sorted({c for _, c in imported if c is not None})
        )
        synthetic = (
            select(Facility.id, Facility.type)
            .join(Region, Region.adcode == Facility.region_adcode)
            .where(
                Facility.source == "synthetic",
                Facility.type.in_(types),
                Region.city_adcode.in_(cities) | Region.adcode.in_(cities),
            )
        )
        replaced = session.execute(synthetic).all()
        if replaced:
            session.execute(delete(Facility).where(Facility.id.in_([i for i, _ in replaced])))
    return RegisterImport(
        result=result,
        types=types,
        cities=cities,
        replaced=dict(sorted(Counter(t for _, t in replaced).items())),
    )
