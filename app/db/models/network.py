"""Road networks stored in PostGIS: one row per network, its nodes and directed edges.

The compute arrays (``geo.network.Network``) are cached on disk and rebuilt from these tables when
the cache is missing; the edges also feed the map's vector tiles.
"""

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class RoadNetwork(Base):
    __tablename__ = "road_networks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the city it serves; NULL for networks outside the Hunan register (e.g. Porto Alegre)
    city_adcode: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # 'synthetic' for generated networks, else the imported file's name
    source: Mapped[str] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(Boolean)
    crs: Mapped[str] = mapped_column(String(32))
    n_nodes: Mapped[int] = mapped_column(Integer)
    n_edges: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RoadNode(Base):
    __tablename__ = "road_nodes"

    network_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("road_networks.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    node_id: Mapped[int] = mapped_column(BigInteger)
    # coordinates in the network's metric CRS, kept exactly so the arrays rebuild bit for bit
    x_m: Mapped[float] = mapped_column(Float)
    y_m: Mapped[float] = mapped_column(Float)
    urban: Mapped[bool] = mapped_column(Boolean)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class RoadEdge(Base):
    __tablename__ = "road_edges"

    network_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("road_networks.id", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    u: Mapped[int] = mapped_column(Integer)
    v: Mapped[int] = mapped_column(Integer)
    way_id: Mapped[int] = mapped_column(BigInteger)
    highway: Mapped[str] = mapped_column(String(32))
    oneway: Mapped[bool] = mapped_column(Boolean)
    maxspeed_kph: Mapped[float | None] = mapped_column(Float)
    length_m: Mapped[float] = mapped_column(Float)
    # bit mask of the modes allowed (geo.network.WALK | DRIVE)
    access: Mapped[int] = mapped_column(SmallInteger)
    # where the edge comes from: "synthetic" (generated) or the real file / extract it was read from
    source: Mapped[str] = mapped_column(String(200))
    geom: Mapped[WKBElement] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=True))
