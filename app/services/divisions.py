"""Township (乡镇) and sub-district (街道) counts per county-level unit, a reference table.

The per-township and per-街道 norms (Changsha L237: one township health centre per 乡镇, one
community health centre per 街道) need these counts. They come from the NBS statistical division
codes of 2023 (统计用区划代码, as of 2023-06-30) and ship as ``app/data/township_counts.csv``;
``app/data/DATA.md`` names the source and how the table was derived.
"""

import csv
from functools import cache
from pathlib import Path
from typing import Final, NamedTuple

TOWNSHIP_FILE: Final = Path(__file__).resolve().parent.parent / "data" / "township_counts.csv"


class SubUnits(NamedTuple):
    """The township-level units of one county-level unit."""

    townships: int
    subdistricts: int


@cache
def township_counts(path: Path = TOWNSHIP_FILE) -> dict[str, SubUnits]:
    """Read the table: townships (镇 and 乡) and sub-districts (街道) by 6-digit adcode.

    Units absent from the table (some zones) have no entry: their counts are unknown.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["adcode"]: SubUnits(int(row["townships"]), int(row["subdistricts"]))
            for row in csv.DictReader(handle)
        }
