"""The facilities a rule counts, as its evaluator selects them (the map draws these in full)."""

from geo.norms import FacilityInput, counted_selectors, load_catalogues, selects
from geo.norms.parameters import (
    FacilitySelector,
    PresenceParameters,
    ResourceRatioParameters,
    TravelTimeCoverageParameters,
)
from geo.norms.terms import FacilityType, Grade, Ownership

HOSPITAL = FacilitySelector(facility_types=(FacilityType.GENERAL_HOSPITAL,))
EMS = FacilitySelector(facility_types=(FacilityType.EMS_STATION,))
TERTIARY_PUBLIC = FacilitySelector(
    facility_types=(FacilityType.GENERAL_HOSPITAL,),
    min_grade=Grade.TERTIARY,
    ownership=Ownership.PUBLIC,
)


def test_a_coverage_rule_counts_its_facilities() -> None:
    params = TravelTimeCoverageParameters(
        kind="travel_time_coverage", facilities=(HOSPITAL,), mode="drive", minutes_urban=15
    )
    assert counted_selectors(params) == (HOSPITAL,)


def test_a_presence_rule_with_subjects_counts_the_subjects() -> None:
    params = PresenceParameters(kind="presence", facilities=(EMS,), subject=(TERTIARY_PUBLIC,))
    assert counted_selectors(params) == (TERTIARY_PUBLIC,)
    plain = PresenceParameters(kind="presence", facilities=(EMS,))
    assert counted_selectors(plain) == (EMS,)


def test_a_ratio_over_every_facility_and_a_data_gap() -> None:
    every = ResourceRatioParameters(
        kind="resource_ratio", resource="physicians", per_population=1000
    )
    assert counted_selectors(every) is None
    assert counted_selectors(None) == ()


def test_grade_and_owner_decide_as_the_evaluator_does() -> None:
    def hospital(grade: Grade, ownership: Ownership) -> FacilityInput:
        return FacilityInput(
            id=1,
            name="甲",
            type=FacilityType.GENERAL_HOSPITAL,
            region_adcode="433101",
            grade=grade,
            ownership=ownership,
        )

    selectors = counted_selectors(
        PresenceParameters(kind="presence", facilities=(TERTIARY_PUBLIC,))
    )
    assert selectors is not None
    assert selects(selectors, hospital(Grade.TERTIARY, Ownership.PUBLIC))
    assert not selects(selectors, hospital(Grade.SECONDARY, Ownership.PUBLIC))
    assert not selects(selectors, hospital(Grade.TERTIARY, Ownership.PRIVATE))


def test_every_shipped_rule_has_an_answer() -> None:
    for catalogue in load_catalogues(seeds_dir=None):
        for rule in catalogue.rules:
            selectors = counted_selectors(rule.parameters)
            assert selectors is None or all(s.facility_types for s in selectors), rule.id
            assert (selectors == ()) == (rule.parameters is None), rule.id
