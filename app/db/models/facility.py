"""Health facilities: hospitals, primary care, EMS; real, synthetic or imported."""

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
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from geo.terms import (
    ADMIN_LEVELS,
    CAPACITY_FIELDS,
    FACILITY_GRADES,
    FACILITY_OWNERSHIPS,
    FACILITY_TYPES,
    PRIMARY_CARE_STANDARDS,
    SERVICE_FLAGS,
)

__all__ = [
    "ADMIN_LEVELS",
    "CAPACITY_FIELDS",
    "FACILITY_GRADES",
    "FACILITY_OWNERSHIPS",
    "FACILITY_TYPES",
    "PRIMARY_CARE_STANDARDS",
    "SERVICE_FLAGS",
    "Facility",
]


# capacities are NULL when not known (real sources often publish no bed or staff counts)
class Facility(Base):
    __tablename__ = "facilities"
    __table_args__ = (
        CheckConstraint(f"type IN {FACILITY_TYPES!r}", name="type"),
        CheckConstraint(f"grade IN {FACILITY_GRADES!r}", name="grade"),
        CheckConstraint(f"ownership IN {FACILITY_OWNERSHIPS!r}", name="ownership"),
        *(CheckConstraint(f"{f} >= 0", name=f"{f}_nonnegative") for f in CAPACITY_FIELDS),
        CheckConstraint("negative_pressure_ambulances <= ambulances", name="np_within_fleet"),
        CheckConstraint("icu_beds <= beds", name="icu_within_beds"),
        CheckConstraint("tcm_physicians <= physicians", name="tcm_within_physicians"),
        CheckConstraint(
            f"primary_care_standard IN {PRIMARY_CARE_STANDARDS!r}", name="primary_care_standard"
        ),
        CheckConstraint(f"admin_level IN {ADMIN_LEVELS!r}", name="admin_level"),
        # a register's own ids are unique within it: imports and reloads upsert by them
        Index(
            "uq_facilities_source_external_id",
            "source",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the identifier in the source file or register, when it has one
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32), index=True)
    # NULL: not known (e.g. a published list of hospitals that gives neither)
    grade: Mapped[str | None] = mapped_column(String(16))
    ownership: Mapped[str | None] = mapped_column(String(16))
    beds: Mapped[int | None] = mapped_column(Integer)
    icu_beds: Mapped[int | None] = mapped_column(Integer)
    physicians: Mapped[int | None] = mapped_column(Integer)
    nurses: Mapped[int | None] = mapped_column(Integer)
    general_practitioners: Mapped[int | None] = mapped_column(Integer)
    pharmacists: Mapped[int | None] = mapped_column(Integer)
    ambulances: Mapped[int | None] = mapped_column(Integer)
    negative_pressure_ambulances: Mapped[int | None] = mapped_column(Integer)
    psychiatric_ward: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    critical_maternal_centre: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    critical_neonatal_centre: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    ems_station_hosted: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # the plans' further fields (geo.terms.PLAN_CAPACITY_FIELDS, UNRECORDED_FLAGS,
    # PLAN_CHOICE_FIELDS): NULL until a source records them, never 0 or false by default
    tcm_physicians: Mapped[int | None] = mapped_column(Integer)
    public_health_staff: Mapped[int | None] = mapped_column(Integer)
    infectious_beds: Mapped[int | None] = mapped_column(Integer)
    childcare_places: Mapped[int | None] = mapped_column(Integer)
    geriatrics_dept: Mapped[bool | None] = mapped_column(Boolean)
    ophthalmology_dept: Mapped[bool | None] = mapped_column(Boolean)
    psychology_clinic: Mapped[bool | None] = mapped_column(Boolean)
    rehabilitation_dept: Mapped[bool | None] = mapped_column(Boolean)
    hospice_care: Mapped[bool | None] = mapped_column(Boolean)
    tcm_hall: Mapped[bool | None] = mapped_column(Boolean)
    tcm_preventive_care: Mapped[bool | None] = mapped_column(Boolean)
    infectious_ward: Mapped[bool | None] = mapped_column(Boolean)
    central_township: Mapped[bool | None] = mapped_column(Boolean)
    # 优质服务基层行 level reached (basic / recommended) and who runs it (州属/市属, 县属, 区属)
    primary_care_standard: Mapped[str | None] = mapped_column(String(16))
    admin_level: Mapped[str | None] = mapped_column(String(16))
    region_adcode: Mapped[str | None] = mapped_column(
        String(6), ForeignKey("regions.adcode", ondelete="RESTRICT"), index=True
    )
    # 'real', 'synthetic', or the name of the imported file
    source: Mapped[str] = mapped_column(String(200), index=True)
    # optimistic locking: every update bumps it; clients send it back as If-Match
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=True), nullable=False
    )

    __mapper_args__: Mapping[str, Any] = MappingProxyType({"version_id_col": version})

    @property
    def synthetic(self) -> bool:
        return self.source == "synthetic"
