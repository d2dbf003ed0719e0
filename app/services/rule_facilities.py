"""Which of a city's facilities a rule counts: the map draws those prominently, the rest faint.

The rule's selectors are the ones its evaluator applies (:func:`geo.norms.counted_selectors`),
matched against the register's facilities as a compliance run reads them (type, grade, owner and
the services they host), so the map can never disagree with the verdict it colours.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import NotFoundError
from app.schemas.norms import FacilityTally, RuleFacilities
from app.services import citydata
from app.services.inputs import register_facilities
from app.services.norms import NormCatalogues, get_catalogue
from geo.norms import FacilityType, counted_selectors, selects


def rule_facilities(
    session: Session, norms: NormCatalogues, city_adcode: str, rule_id: str
) -> RuleFacilities:
    """The facilities of ``city_adcode`` that ``rule_id`` counts, and how many are real.

    Raises
    ------
    NotFoundError
        No plan for the city, no such rule in it, or no such city in the register.
    """
    catalogue = get_catalogue(norms, city_adcode)
    rule = next((r for r in catalogue.rules if r.id == rule_id), None)
    if rule is None:
        raise NotFoundError.worded("norms.no_rule", field="rule_id", city=city_adcode, rule=rule_id)
    city = citydata.get_city(session, city_adcode)
    selectors = counted_selectors(rule.parameters)
    located = register_facilities(session, city)
    synthetic = set(
        session.scalars(
            select(Facility.id)
            .join(Region, Region.adcode == Facility.region_adcode)
            .where(
                (Region.city_adcode == city.adcode) | (Region.adcode == city.adcode),
                Facility.source == "synthetic",
            )
        )
    )
    counted = [
        int(f.facility.id) for f in located if selectors is None or selects(selectors, f.facility)
    ]
    # the types the selectors name, in the catalogue's order of types
    named = (
        {t for s in selectors for t in s.facility_types}
        if selectors is not None
        else set(FacilityType)
    )
    n_synthetic = sum(1 for i in counted if i in synthetic)
    return RuleFacilities(
        city=city.adcode,
        rule_id=rule.id,
        every_facility=selectors is None,
        facility_types=[t.value for t in FacilityType if t in named],
        facility_ids=counted,
        counted=FacilityTally(real=len(counted) - n_synthetic, synthetic=n_synthetic),
        others=FacilityTally(
            real=len(located) - len(synthetic) - (len(counted) - n_synthetic),
            synthetic=len(synthetic) - n_synthetic,
        ),
    )
