"""Coverage statistics: residents within a travel time of the nearest facility, per region.

Not stored: it is one search on the city's inputs (:mod:`app.services.inputs`), already cached.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from app.schemas.compliance import CoverageMode, CoverageRegion, CoverageReport
from app.services._tx import transaction
from app.services.inputs import read_city_inputs, require_prepared
from app.settings import Settings
from geo.norms import (
    FacilitySelector,
    FacilityType,
    RegionLevel,
    coverage_by_region,
    select_facilities,
)


def coverage_report(
    session: Session,
    settings: Settings,
    city_adcode: str,
    *,
    facility_types: Sequence[str],
    mode: CoverageMode,
    minutes: float,
) -> CoverageReport:
    """Residents within ``minutes`` of the nearest facility of the given types, per region.

    ``walk`` and ``drive`` measure the trip to the facility; ``ems`` the ambulance's trip from
    it, dispatch delay included. Not stored: it is one search on inputs already cached.

    Raises
    ------
    NotFoundError, ConflictError
        As :func:`run_compliance`, for a city not prepared.
    """
    with transaction(session):
        city, network, _, _ = require_prepared(session, city_adcode)
    inputs = read_city_inputs(session, settings, city, network.id, {})
    types = sorted(set(facility_types))
    selectors = [FacilitySelector(facility_types=tuple(FacilityType(t) for t in types))]
    direction = "from_facility" if mode == "ems" else "to_facility"
    # the city first, then its county-level units (zones have no cells of their own)
    regions = [r for r in inputs.regions if r.level != RegionLevel.ZONE]
    coverage = coverage_by_region(
        inputs.context,
        regions,
        city_adcode=city_adcode,
        selectors=selectors,
        mode=mode,
        minutes=minutes,
        direction=direction,
    )
    chosen = select_facilities(inputs.context.sites, selectors)
    return CoverageReport(
        city=city_adcode,
        facility_types=types,
        mode=mode,
        direction=direction,
        minutes=minutes,
        facilities=int(chosen.shape[0]),
        network_id=network.id,
        synthetic=network.synthetic,
        regions=[
            CoverageRegion(
                region_adcode=c.region_adcode,
                region_name=c.region_name,
                population=c.population,
                covered=c.covered,
                covered_share=c.covered_share,
                urban_population=c.urban_population,
                urban_covered=c.urban_covered,
                rural_population=c.rural_population,
                rural_covered=c.rural_covered,
                off_network=c.off_network,
            )
            for c in coverage
        ],
    )
