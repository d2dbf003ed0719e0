"""The population surface: census totals disaggregated to grid cells (or a real grid)."""

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from geo.population.settlement import SETTLEMENT_CLASSES

# the settlement classes are geo's vocabulary; the CHECK constraint below is built from them
__all__ = ["SETTLEMENT_CLASSES", "PopulationCell"]


class PopulationCell(Base):
    __tablename__ = "population_cells"
    __table_args__ = (
        CheckConstraint("population >= 0", name="population_nonnegative"),
        CheckConstraint(f"settlement_class IN {SETTLEMENT_CLASSES!r}", name="settlement_class"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_adcode: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    region_adcode: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    # the road network whose street length weighted the census totals
    network_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("road_networks.id", ondelete="CASCADE"), index=True
    )
    population: Mapped[int] = mapped_column(Integer)
    area_km2: Mapped[float] = mapped_column(Float)
    density_per_km2: Mapped[float] = mapped_column(Float)
    settlement_class: Mapped[str] = mapped_column(String(16))
    urban: Mapped[bool] = mapped_column(Boolean)
    road_length_m: Mapped[float] = mapped_column(Float)
    # the part of road_length_m on real roads (edges whose source is a real file)
    real_road_length_m: Mapped[float] = mapped_column(Float, server_default="0")
    # true when the weights came from a synthetic network: the totals are real, the pattern is not
    synthetic: Mapped[bool] = mapped_column(Boolean)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True)
    )
    centroid: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
