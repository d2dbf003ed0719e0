"""Kind-specific rule parameters, the headline target and facility selectors of the catalogue.

Units are in the field names (``minutes_urban``, ``radius_km_rural``, ``per_population`` residents).
Each parameter model checks that the rule's headline :class:`Target` agrees with it, so the figure a
planner reads and the figure the evaluator uses cannot drift apart.
"""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo.errors import CatalogueDefectError
from geo.norms.terms import (
    GRADE_RANK,
    CapacityField,
    Direction,
    DistanceKind,
    FacilityType,
    Grade,
    Ownership,
    PopulationBasis,
    RegionLevel,
    Scope,
    ServiceFlag,
    TravelMode,
)


class TargetUnit(StrEnum):
    """Units a rule's headline ``target`` may be stated in."""

    MINUTES = "minutes"
    KM = "km"
    RESIDENTS_PER_AMBULANCE = "residents_per_ambulance"
    SHARE_OF_FLEET = "share_of_fleet"
    PER_1000_RESIDENTS = "per_1000_residents"
    PER_10000_RESIDENTS = "per_10000_residents"
    RESIDENTS_PER_FACILITY = "residents_per_facility"
    FACILITIES_PER_TOWNSHIP = "facilities_per_township"
    FACILITIES_PER_SUBDISTRICT = "facilities_per_subdistrict"
    RESIDENTS = "residents"
    FACILITIES = "facilities"
    SHARE_OF_FACILITIES = "share_of_facilities"
    PER_FACILITY = "per_facility"
    SHARE_OF_BEDS = "share_of_beds"
    # a city total in the summed field's own unit (ICU beds, physicians …)
    TOTAL = "total"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Model):
    """A rule's headline figure as the plan states it: one number or a range, with its unit."""

    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: TargetUnit

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.value is not None and (self.min is not None or self.max is not None):
            raise CatalogueDefectError.worded("catalogue.defect.target_both", field="value")
        if self.value is None and self.min is None and self.max is None:
            raise CatalogueDefectError.worded("catalogue.defect.target_none", field="value")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise CatalogueDefectError.worded(
                "catalogue.defect.min_above_max",
                field="min",
                low="min",
                high="max",
                given=f"{self.min:g} > {self.max:g}",
            )
        return self

    def contains(self, number: float) -> bool:
        """Tell whether ``number`` equals the value or lies in the [min, max] range."""
        if self.value is not None:
            return number == self.value
        low = self.min if self.min is not None else float("-inf")
        high = self.max if self.max is not None else float("inf")
        return low <= number <= high


class FacilitySelector(_Model):
    """Which facilities qualify for a rule; every condition given must hold.

    Attributes
    ----------
    facility_types
        The facility is one of these types.
    min_grade
        Its grade is at least this one (tertiary > secondary > primary > none).
    ownership
        It is run by this owner (public / private).
    flags
        It hosts every one of these services.
    """

    facility_types: tuple[FacilityType, ...] = Field(min_length=1)
    min_grade: Grade | None = None
    ownership: Ownership | None = None
    flags: tuple[ServiceFlag, ...] = ()

    def matches(
        self,
        facility_type: FacilityType,
        grade: Grade,
        ownership: Ownership,
        flags: Iterable[ServiceFlag],
    ) -> bool:
        """Tell whether a facility with these attributes qualifies."""
        if facility_type not in self.facility_types:
            return False
        if self.min_grade is not None and GRADE_RANK[grade] < GRADE_RANK[self.min_grade]:
            return False
        if self.ownership is not None and ownership != self.ownership:
            return False
        present = set(flags)
        return all(flag in present for flag in self.flags)


Selectors = Annotated[tuple[FacilitySelector, ...], Field(min_length=1)]

# the thresholds a coverage rule gives one or both of
_URBAN_RURAL_MINUTES = ("minutes_urban", "minutes_rural")
_URBAN_RURAL_KM = ("radius_km_urban", "radius_km_rural")


def _range_problem(
    target: Target, unit: TargetUnit, values: Mapping[str, float | None]
) -> CatalogueDefectError | None:
    """Check that the target has ``unit`` and that every given parameter value fits it."""
    if target.unit != unit:
        return CatalogueDefectError.worded(
            "catalogue.defect.target_unit",
            field="target.unit",
            expected=unit.value,
            given=target.unit.value,
        )
    for name, number in values.items():
        if number is not None and not target.contains(number):
            return CatalogueDefectError.worded(
                "catalogue.defect.outside_target",
                field=f"parameters.{name}",
                name=name,
                target=_describe(target),
                unit=target.unit.value,
                given=f"{number:g}",
            )
    return None


def _describe(target: Target) -> str:
    if target.value is not None:
        return f"{target.value:g}"
    low = "" if target.min is None else f"{target.min:g}"
    high = "" if target.max is None else f"{target.max:g}"
    return f"{low}–{high}"


class TravelTimeCoverageParameters(_Model):
    """Share of residents within a travel time of a qualifying facility.

    ``minutes_urban`` / ``minutes_rural`` are the thresholds for urban and rural population
    cells (a rule may set one or both); ``min_share`` is the share of residents that must be
    within reach (1.0: everyone).
    """

    kind: Literal["travel_time_coverage"]
    facilities: Selectors
    mode: TravelMode
    direction: Direction = Direction.TO_FACILITY
    minutes_urban: float | None = Field(default=None, gt=0)
    minutes_rural: float | None = Field(default=None, gt=0)
    min_share: float = Field(default=1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _some_threshold(self) -> Self:
        if self.minutes_urban is None and self.minutes_rural is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.one_of", field="minutes_urban", names=_URBAN_RURAL_MINUTES
            )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        values = {"minutes_urban": self.minutes_urban, "minutes_rural": self.minutes_rural}
        return _range_problem(target, TargetUnit.MINUTES, values)

    def settlement_thresholds(self) -> dict[Scope, float]:
        """Return the travel-time threshold in minutes per settlement scope it is set for."""
        pairs = ((Scope.URBAN, self.minutes_urban), (Scope.RURAL, self.minutes_rural))
        return {scope: minutes for scope, minutes in pairs if minutes is not None}


class RadiusCoverageParameters(_Model):
    """Share of residents within a distance of a qualifying facility.

    ``distance`` says whether the radius is straight-line or along the road network (then
    ``mode`` says which network); ``radius_km_urban`` / ``radius_km_rural`` in kilometres.
    """

    kind: Literal["radius_coverage"]
    facilities: Selectors
    distance: DistanceKind
    mode: TravelMode | None = None
    radius_km_urban: float | None = Field(default=None, gt=0)
    radius_km_rural: float | None = Field(default=None, gt=0)
    min_share: float = Field(default=1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.radius_km_urban is None and self.radius_km_rural is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.one_of", field="radius_km_urban", names=_URBAN_RURAL_KM
            )
        if self.distance == DistanceKind.NETWORK and self.mode is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.network_needs_mode",
                field="mode",
                choices=tuple(mode.value for mode in TravelMode),
            )
        if self.distance == DistanceKind.STRAIGHT and self.mode is not None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.straight_takes_no_mode", field="mode", given=self.mode.value
            )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        values = {"radius_km_urban": self.radius_km_urban, "radius_km_rural": self.radius_km_rural}
        return _range_problem(target, TargetUnit.KM, values)

    def settlement_thresholds(self) -> dict[Scope, float]:
        """Return the radius in kilometres per settlement scope it is set for."""
        pairs = ((Scope.URBAN, self.radius_km_urban), (Scope.RURAL, self.radius_km_rural))
        return {scope: km for scope, km in pairs if km is not None}


class EmsResponseParameters(_Model):
    """Residents an ambulance reaches (or brings to a centre) within a network distance and time.

    ``radius_km`` is a road-network distance and ``minutes`` a drive time; when both are set a
    resident is covered only within both. ``direction`` is ``from_facility`` for a response from
    a station to the scene, ``to_facility`` for transport to a centre.
    """

    kind: Literal["ems_response"]
    facilities: Selectors
    direction: Direction = Direction.FROM_FACILITY
    mode: TravelMode = TravelMode.DRIVE
    radius_km: float | None = Field(default=None, gt=0)
    minutes: float | None = Field(default=None, gt=0)
    min_share: float = Field(default=1.0, gt=0, le=1)

    @model_validator(mode="after")
    def _some_threshold(self) -> Self:
        if self.radius_km is None and self.minutes is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.one_of", field="radius_km", names=("radius_km", "minutes")
            )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        if target.unit == TargetUnit.KM:
            return _range_problem(target, TargetUnit.KM, {"radius_km": self.radius_km})
        return _range_problem(target, TargetUnit.MINUTES, {"minutes": self.minutes})


class FleetRatioParameters(_Model):
    """Ambulance fleet per county-level unit, or the negative-pressure share of that fleet.

    ``fleet_size``: one ambulance per ``per_population`` residents of the population base; the base
    is ``base_multiplier_county`` × residents in the ``county_levels`` (3.0 for the plans' 300% 县域
    rule) and ``base_multiplier_other`` × residents elsewhere. ``negative_pressure_share``: at least
    ``min_share`` of the ambulances present are negative-pressure ambulances. ``facilities`` says
    whose ambulances make up the fleet.
    """

    kind: Literal["fleet_ratio"]
    measure: Literal["fleet_size", "negative_pressure_share"]
    facilities: Selectors
    per_population: int | None = Field(default=None, gt=0)
    base_multiplier_county: float | None = Field(default=None, gt=0)
    base_multiplier_other: float = Field(default=1.0, gt=0)
    county_levels: tuple[RegionLevel, ...] = (RegionLevel.COUNTY, RegionLevel.COUNTY_CITY)
    min_share: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.measure == "fleet_size":
            if self.per_population is None or self.base_multiplier_county is None:
                raise CatalogueDefectError.worded(
                    "catalogue.defect.measure_needs",
                    field="per_population"
                    if self.per_population is None
                    else "base_multiplier_county",
                    measure=self.measure,
                    names=("per_population", "base_multiplier_county"),
                )
            if self.min_share is not None:
                raise CatalogueDefectError.worded(
                    "catalogue.defect.fleet_size_no_share",
                    field="min_share",
                    measure=self.measure,
                    other="negative_pressure_share",
                    given=f"{self.min_share:g}",
                )
        elif self.min_share is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.measure_needs",
                field="min_share",
                measure=self.measure,
                names=("min_share",),
            )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        if self.measure == "fleet_size":
            values = {"per_population": float(self.per_population or 0)}
            return _range_problem(target, TargetUnit.RESIDENTS_PER_AMBULANCE, values)
        return _range_problem(target, TargetUnit.SHARE_OF_FLEET, {"min_share": self.min_share})


_RATIO_RESOURCES = frozenset(
    {
        CapacityField.BEDS,
        CapacityField.PHYSICIANS,
        CapacityField.NURSES,
        CapacityField.PHARMACISTS,
        CapacityField.GENERAL_PRACTITIONERS,
    }
)


class ResourceRatioParameters(_Model):
    """Beds or staff per ``per_population`` residents (1,000, or 10,000 for GPs).

    The required ratio is the rule's ``target.value``. ``facilities`` limits whose capacity counts
    (e.g. private hospitals for the private-bed reserve); None counts every facility.
    """

    kind: Literal["resource_ratio"]
    resource: CapacityField
    per_population: Literal[1000, 10000]
    facilities: tuple[FacilitySelector, ...] | None = None

    @field_validator("resource")
    @classmethod
    def _countable(cls, value: CapacityField) -> CapacityField:
        if value not in _RATIO_RESOURCES:
            raise CatalogueDefectError.worded(
                "catalogue.defect.not_a_ratio_resource",
                field="resource",
                choices=tuple(sorted(r.value for r in _RATIO_RESOURCES)),
                given=value.value,
            )
        return value

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        unit = (
            TargetUnit.PER_1000_RESIDENTS
            if self.per_population == 1000
            else TargetUnit.PER_10000_RESIDENTS
        )
        if target.value is None:
            return CatalogueDefectError.worded(
                "catalogue.defect.ratio_single_value", field="target.value"
            )
        return _range_problem(target, unit, {})


class FacilityPerPopulationParameters(_Model):
    """Enough facilities for the population, or grade standards where catchments are large.

    ``count``: at least one qualifying facility per ``residents_per_facility_max`` residents of the
    ``population_basis`` (the plan's range lower bound is kept in ``residents_per_facility_min``),
    and/or one per township or sub-district (``per_admin_unit``); when both are set either
    satisfies the rule. ``catchment``: every qualifying facility whose catchment (residents served,
    from the network) reaches ``catchment_min_residents`` is at least ``required_grade`` and/or
    meets ``required_standard`` (优质服务基层行: ``basic`` 基本标准 or ``recommended`` 推荐标准;
    recommended meets basic). ``competitors`` are the facilities residents are shared among
    (e.g. community and township health centres); by default ``facilities``.
    """

    kind: Literal["facility_per_population"]
    method: Literal["count", "catchment"] = "count"
    facilities: Selectors
    residents_per_facility_min: int | None = Field(default=None, gt=0)
    residents_per_facility_max: int | None = Field(default=None, gt=0)
    per_admin_unit: Literal["township", "subdistrict"] | None = None
    population_basis: PopulationBasis = PopulationBasis.TOTAL
    catchment_min_residents: int | None = Field(default=None, gt=0)
    required_grade: Grade | None = None
    required_standard: Literal["basic", "recommended"] | None = None
    competitors: tuple[FacilitySelector, ...] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        count_fields = {
            "residents_per_facility_min": self.residents_per_facility_min,
            "residents_per_facility_max": self.residents_per_facility_max,
            "per_admin_unit": self.per_admin_unit,
        }
        if self.method == "count":
            if self.residents_per_facility_max is None and self.per_admin_unit is None:
                raise CatalogueDefectError.worded(
                    "catalogue.defect.one_of",
                    field="residents_per_facility_max",
                    names=("residents_per_facility_max", "per_admin_unit"),
                )
            catchment_only = {
                "catchment_min_residents": self.catchment_min_residents,
                "required_grade": self.required_grade,
                "required_standard": self.required_standard,
                "competitors": self.competitors,
            }
            if any(value is not None for value in catchment_only.values()):
                given = next(name for name, value in catchment_only.items() if value is not None)
                raise CatalogueDefectError.worded(
                    "catalogue.defect.only_for_method",
                    field=given,
                    names=tuple(catchment_only),
                    method="catchment",
                )
            low, high = self.residents_per_facility_min, self.residents_per_facility_max
            if low is not None and (high is None or low > high):
                raise CatalogueDefectError.worded(
                    "catalogue.defect.min_above_max",
                    field="residents_per_facility_min",
                    low="residents_per_facility_min",
                    high="residents_per_facility_max",
                    given=f"{low} > {high}" if high is not None else str(low),
                )
        else:
            if self.catchment_min_residents is None or (
                self.required_grade is None and self.required_standard is None
            ):
                raise CatalogueDefectError.worded(
                    "catalogue.defect.catchment_needs",
                    field="catchment_min_residents"
                    if self.catchment_min_residents is None
                    else "required_grade",
                    names=("required_grade", "required_standard"),
                    minimum="catchment_min_residents",
                )
            if any(value is not None for value in count_fields.values()):
                given = next(name for name, value in count_fields.items() if value is not None)
                raise CatalogueDefectError.worded(
                    "catalogue.defect.only_for_method",
                    field=given,
                    names=tuple(count_fields),
                    method="count",
                )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        values: dict[str, float | None]
        if self.method == "catchment":
            values = {"catchment_min_residents": _as_float(self.catchment_min_residents)}
            return _range_problem(target, TargetUnit.RESIDENTS, values)
        if self.residents_per_facility_max is not None:
            values = {
                "residents_per_facility_min": _as_float(self.residents_per_facility_min),
                "residents_per_facility_max": float(self.residents_per_facility_max),
            }
            return _range_problem(target, TargetUnit.RESIDENTS_PER_FACILITY, values)
        unit = (
            TargetUnit.FACILITIES_PER_TOWNSHIP
            if self.per_admin_unit == "township"
            else TargetUnit.FACILITIES_PER_SUBDISTRICT
        )
        # one facility per township or sub-district: the target must allow one
        problem = _range_problem(target, unit, {})
        if problem is None and not target.contains(1.0):
            return CatalogueDefectError.worded(
                "catalogue.defect.one_per_unit", field="target", given=_describe(target)
            )
        return problem


def _as_float(value: int | None) -> float | None:
    return None if value is None else float(value)


class PresenceParameters(_Model):
    """Each region has what the plan requires.

    Without ``subject``: at least ``min_count`` facilities matching any of ``facilities``, where
    the region has more than ``applies_above_residents`` residents (or exactly that many too,
    when ``applies_at_threshold``). With ``subject``: every facility matching ``subject`` also
    matches one of ``facilities`` (e.g. every grade-II+ hospital hosts an EMS station).
    """

    kind: Literal["presence"]
    facilities: Selectors
    min_count: int = Field(default=1, ge=1)
    subject: tuple[FacilitySelector, ...] | None = None
    share_of_subjects: float | None = Field(default=None, gt=0, le=1)
    applies_above_residents: int | None = Field(default=None, ge=0)
    applies_at_threshold: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.subject is not None and self.min_count != 1:
            raise CatalogueDefectError.worded(
                "catalogue.defect.min_count_with_subject",
                field="min_count",
                subject="subject",
                given=str(self.min_count),
            )
        if self.share_of_subjects is not None and self.subject is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.share_needs_subject", field="share_of_subjects", subject="subject"
            )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        if self.subject is not None:
            share = 1.0 if self.share_of_subjects is None else self.share_of_subjects
            values = {"share_of_subjects": share}
            return _range_problem(target, TargetUnit.SHARE_OF_FACILITIES, values)
        return _range_problem(target, TargetUnit.FACILITIES, {"min_count": float(self.min_count)})


class CityTotalParameters(_Model):
    """A city-wide total: the sum of ``field`` over the selected facilities, or their count.

    ``field`` None counts the facilities (≥ 21 tertiary hospitals); a capacity field sums it
    (ICU beds ≥ 1,150). ``min`` is the total required, in the field's unit or in facilities.
    """

    kind: Literal["city_total"]
    facilities: Selectors
    field: CapacityField | None = None
    min: float = Field(gt=0)

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        unit = TargetUnit.FACILITIES if self.field is None else TargetUnit.TOTAL
        return _range_problem(target, unit, {"min": self.min})


class StaffingParameters(_Model):
    """A per-facility minimum for each facility matching ``facilities``.

    Either at least ``min_per_facility`` of ``attribute`` (e.g. 4 general practitioners), or
    ``attribute`` between ``min_share_of_beds`` and ``max_share_of_beds`` of the facility's beds
    (e.g. ICU beds 2–5%).
    """

    kind: Literal["staffing"]
    facilities: Selectors
    attribute: CapacityField
    min_per_facility: int | None = Field(default=None, ge=1)
    min_share_of_beds: float | None = Field(default=None, gt=0, le=1)
    max_share_of_beds: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _one_mode(self) -> Self:
        share_mode = self.min_share_of_beds is not None or self.max_share_of_beds is not None
        if (self.min_per_facility is None) == (not share_mode):
            raise CatalogueDefectError.worded(
                "catalogue.defect.either_or",
                field="min_per_facility",
                one="min_per_facility",
                other="min_share_of_beds",
            )
        if share_mode and self.min_share_of_beds is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.share_of_beds_needs_min",
                field="min_share_of_beds",
                names=("min_share_of_beds",),
            )
        low, high = self.min_share_of_beds, self.max_share_of_beds
        if low is not None and high is not None and low > high:
            raise CatalogueDefectError.worded(
                "catalogue.defect.min_above_max",
                field="min_share_of_beds",
                low="min_share_of_beds",
                high="max_share_of_beds",
                given=f"{low:g} > {high:g}",
            )
        if share_mode and self.attribute == CapacityField.BEDS:
            raise CatalogueDefectError.worded(
                "catalogue.defect.share_of_beds_attribute",
                field="attribute",
                given=self.attribute.value,
            )
        return self

    def target_problem(self, target: Target) -> CatalogueDefectError | None:
        """Describe how ``target`` disagrees with these parameters, or return None."""
        values: dict[str, float | None]
        if self.min_per_facility is not None:
            values = {"min_per_facility": float(self.min_per_facility)}
            return _range_problem(target, TargetUnit.PER_FACILITY, values)
        values = {
            "min_share_of_beds": self.min_share_of_beds,
            "max_share_of_beds": self.max_share_of_beds,
        }
        return _range_problem(target, TargetUnit.SHARE_OF_BEDS, values)


Parameters = Annotated[
    TravelTimeCoverageParameters
    | RadiusCoverageParameters
    | EmsResponseParameters
    | FleetRatioParameters
    | ResourceRatioParameters
    | FacilityPerPopulationParameters
    | PresenceParameters
    | StaffingParameters
    | CityTotalParameters,
    Field(discriminator="kind"),
]


def counted_selectors(
    parameters: TravelTimeCoverageParameters
    | RadiusCoverageParameters
    | EmsResponseParameters
    | FleetRatioParameters
    | ResourceRatioParameters
    | FacilityPerPopulationParameters
    | PresenceParameters
    | StaffingParameters
    | CityTotalParameters
    | None,
) -> tuple[FacilitySelector, ...] | None:
    """Return the selectors of the facilities a rule's evaluator counts.

    A presence rule with ``subject`` checks its subject facilities (each must also match
    ``facilities``); every other rule counts its ``facilities``.

    Returns
    -------
    tuple of FacilitySelector or None
        The selectors; None when every facility counts (a resource ratio over all of them);
        empty for a rule without parameters (a data gap: no facility is counted).
    """
    if parameters is None:
        return ()
    if isinstance(parameters, PresenceParameters) and parameters.subject is not None:
        return parameters.subject
    return parameters.facilities
