"""Scenarios: proposed changes to a city's facilities, kept apart from the register.

A scenario belongs to one city and lists its changes in order (``seq``): add a facility, close
one, move one, or change its capacities. The changes are applied in memory when the scenario is
evaluated; the ``facilities`` table is never written by a scenario.
"""

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

SCENARIO_CHANGE_KINDS = ("add", "close", "move", "update")


class Scenario(Base):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_adcode: Mapped[str] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default="")
    # who wrote it: the name of the API token (or the script's --author), for display
    author: Mapped[str] = mapped_column(String(100))
    # who owns it: the token that created it (names are not unique); NULL: admins only
    owner_token_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True
    )
    # visible to every planner of the city (else to its author)
    shared: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # optimistic locking: every update (and every change added) bumps it; clients send If-Match
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__: Mapping[str, Any] = MappingProxyType({"version_id_col": version})


class ScenarioChange(Base):
    __tablename__ = "scenario_changes"
    __table_args__ = (
        UniqueConstraint("scenario_id", "seq"),
        CheckConstraint(f"kind IN {SCENARIO_CHANGE_KINDS!r}", name="kind"),
        # an added facility has no register row; every other change names one
        CheckConstraint("(kind = 'add') = (facility_id IS NULL)", name="facility_unless_add"),
        CheckConstraint(
            "kind NOT IN ('add', 'move') OR geom IS NOT NULL", name="geom_where_placed"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    # order of application within the scenario
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    # the register's facility a close / move / update is about; no foreign key: a change about
    # a facility that leaves the register stays, flagged, and the scenario's version moves
    # (trigger facilities_leave_scenarios, migration 0009)
    facility_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # add: the facility's properties; update: only the properties that change
    properties: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    # add / move: where the facility stands (WGS84) and the county-level unit that point lies in
    geom: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False)
    )
    region_adcode: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
