"""Facility I/O: the schema ladder Base / Create / Update / Public, as GeoJSON features."""

from typing import Annotated, Literal

from geojson_pydantic import Feature, FeatureCollection, Point
from pydantic import BaseModel, ConfigDict, Field

from app.schemas._text import PlainText
from geo.terms import AdminLevel, FacilityType, Grade, Ownership, PrimaryCareStandard

__all__ = ["AdminLevel", "FacilityType", "Grade", "Ownership", "PrimaryCareStandard"]

InputCrs = Literal["wgs84", "gcj02", "bd09"]

# capacities: non-negative counts, None when not known
Count = Annotated[int | None, Field(ge=0, le=1_000_000)]


class PlanFields(BaseModel):
    """The register fields the plans' norms added (migration 0008), declared once.

    None (unknown) until a source records them, both in a new facility and in a partial update.
    """

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    tcm_physicians: Count = None
    public_health_staff: Count = None
    infectious_beds: Count = None
    childcare_places: Count = None
    geriatrics_dept: bool | None = None
    ophthalmology_dept: bool | None = None
    psychology_clinic: bool | None = None
    rehabilitation_dept: bool | None = None
    hospice_care: bool | None = None
    tcm_hall: bool | None = None
    tcm_preventive_care: bool | None = None
    infectious_ward: bool | None = None
    central_township: bool | None = None
    primary_care_standard: PrimaryCareStandard | None = None
    admin_level: AdminLevel | None = None


class FacilityBase(PlanFields):
    name: PlainText = Field(min_length=1, max_length=200)
    type: FacilityType
    # None: not known
    grade: Grade | None = None
    ownership: Ownership | None = None
    beds: Count = None
    icu_beds: Count = None
    physicians: Count = None
    nurses: Count = None
    general_practitioners: Count = None
    pharmacists: Count = None
    ambulances: Count = None
    negative_pressure_ambulances: Count = None
    psychiatric_ward: bool = False
    critical_maternal_centre: bool = False
    critical_neonatal_centre: bool = False
    ems_station_hosted: bool = False
    external_id: PlainText | None = Field(default=None, max_length=100)


class FacilityCreate(FacilityBase):
    # 'real' for an existing facility entered by hand, 'synthetic' for a generated one,
    # or the name of the register it comes from
    source: PlainText = Field(default="real", min_length=1, max_length=200)


class FacilityChanges(PlanFields):
    """The properties a partial update may change; only those given change."""

    name: PlainText | None = Field(default=None, min_length=1, max_length=200)
    type: FacilityType | None = None
    grade: Grade | None = None
    ownership: Ownership | None = None
    beds: Count = None
    icu_beds: Count = None
    physicians: Count = None
    nurses: Count = None
    general_practitioners: Count = None
    pharmacists: Count = None
    ambulances: Count = None
    negative_pressure_ambulances: Count = None
    psychiatric_ward: bool | None = None
    critical_maternal_centre: bool | None = None
    critical_neonatal_centre: bool | None = None
    ems_station_hosted: bool | None = None


class FacilityUpdate(FacilityChanges):
    """Partial update of the register: the changeable properties plus its bookkeeping."""

    external_id: PlainText | None = Field(default=None, max_length=100)
    source: PlainText | None = Field(default=None, min_length=1, max_length=200)
    # optimistic locking: the version the client last read (alternative to If-Match)
    version: int | None = Field(default=None, ge=1)


class FacilityPublic(FacilityBase):
    id: int
    source: str
    synthetic: bool
    region_adcode: str | None
    city_adcode: str | None
    version: int


FacilityCreateFeature = Feature[Point, FacilityCreate]
FacilityUpdateFeature = Feature[Point, FacilityUpdate]
FacilityFeature = Feature[Point, FacilityPublic]
FacilityCollection = FeatureCollection[FacilityFeature]


class FacilityQuery(BaseModel):
    """Filters of ``GET /facilities``."""

    model_config = ConfigDict(use_enum_values=True)

    city: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    region: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    type: list[FacilityType] | None = None
    source: str | None = Field(default=None, max_length=200)
    synthetic: bool | None = None
    bbox: tuple[float, float, float, float] | None = None
    limit: int = Field(default=5000, ge=1, le=50_000)
    offset: int = Field(default=0, ge=0)
