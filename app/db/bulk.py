"""Bulk loading with PostgreSQL ``COPY`` (networks and population surfaces are millions of rows)."""

import io
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from app.db.models.data_version import WROTE_FLAG

if TYPE_CHECKING:
    # only the frame's type: the module is imported by readers that never write (no pandas)
    import pandas as pd


def hex_ewkb(geoms: NDArray[np.object_], srid: int = 4326) -> NDArray[np.object_]:
    """Hex EWKB of shapely geometries, the text form ``COPY`` accepts for a geometry column."""
    wkb: NDArray[np.object_] = shapely.to_wkb(
        shapely.set_srid(geoms, srid), hex=True, include_srid=True
    )
    return wkb


def copy_frame(session: Session, table: str, frame: "pd.DataFrame") -> None:
    """Write ``frame`` into ``table`` (columns by name) inside the session's transaction."""
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
    columns = ", ".join(frame.columns)
    connection = session.connection()
    connection.info[WROTE_FLAG] = True
    raw = connection.connection.driver_connection
    assert raw is not None, "COPY needs a live DBAPI connection"
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())
