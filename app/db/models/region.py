"""Administrative units of Hunan with their 2020 census population."""

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from geo.terms import REGION_LEVELS

__all__ = ["REGION_LEVELS", "Region"]

# 区 district, 县 county, 县级市 county-level city; zones are development areas without a polygon


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint(f"level IN {REGION_LEVELS!r}", name="level"),
        CheckConstraint("adcode ~ '^[0-9]{6}$'", name="adcode_digits"),
        CheckConstraint("population >= 0", name="population_nonnegative"),
        CheckConstraint("urban_share BETWEEN 0 AND 1", name="urban_share_range"),
    )

    adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_adcode: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    # the prefecture-level city the unit belongs to (itself for a prefecture)
    city_adcode: Mapped[str | None] = mapped_column(String(6), index=True)
    population: Mapped[int | None] = mapped_column(Integer)
    urban_share: Mapped[float | None] = mapped_column(Float)
    ghsl_population: Mapped[int | None] = mapped_column(Integer)
    ghsl_urban_centre_share: Mapped[float | None] = mapped_column(Float)
    ghsl_dense_cluster_share: Mapped[float | None] = mapped_column(Float)
    ghsl_semi_dense_share: Mapped[float | None] = mapped_column(Float)
    ghsl_suburban_share: Mapped[float | None] = mapped_column(Float)
    ghsl_rural_cluster_share: Mapped[float | None] = mapped_column(Float)
    ghsl_low_density_rural_share: Mapped[float | None] = mapped_column(Float)
    ghsl_very_low_density_rural_share: Mapped[float | None] = mapped_column(Float)
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=True
    )
