"""Facility import I/O: what ``POST /facilities/import`` answers when every row is good."""

from typing import Literal

from pydantic import BaseModel, Field

ImportFormat = Literal["csv", "geojson"]


class FacilityImportResult(BaseModel):
    source: str = Field(description="the file name, stored as each facility's source")
    format: ImportFormat
    crs: str = Field(description="datum of the file's coordinates, converted to WGS84")
    city: str | None = Field(description="the city every point had to fall in, if one was given")
    imported: int = Field(description="facilities written (every row of the file)")
    ids: list[int] = Field(description="the new facilities' ids, in file order")
