"""What a city's results rest on: real roads, the population source, real facilities.

The same figures travel with every compliance answer (the API's ``/compliance``,
``fplan check --format json``, the report): for the city and each of its county-level units,
the share of residents analysed on real roads (:func:`app.services.road_files.real_road_residents`),
the share of facilities from a real source, and where the residents come from
(:func:`app.services.population_files.population_source_record`).
"""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.schemas.compliance import DataBasisPublic, PopulationSourcePublic, RegionBasisPublic
from app.services import networks, population_files, road_files


def data_basis(session: Session, city_adcode: str) -> DataBasisPublic | None:
    """The data a city's results rest on, for the city and each unit; None without a network."""
    network = networks.find_network(session, city_adcode)
    residents = road_files.real_road_residents(session, city_adcode)
    if network is None or residents is None:
        return None
    facilities = _facility_counts(session, city_adcode)
    units = sorted(set(residents) | set(facilities))
    names = dict(
        session.execute(
            select(Region.adcode, Region.name).where(Region.adcode.in_([city_adcode, *units]))
        ).all()
    )
    city_row = _region(
        city_adcode,
        names.get(city_adcode, city_adcode),
        residents=_total(residents.values()),
        facilities=_total(facilities.values()),
    )
    rows = [
        _region(
            unit,
            names.get(unit, unit),
            residents=residents.get(unit, (0, 0)),
            facilities=facilities.get(unit, (0, 0)),
        )
        for unit in units
        if unit != city_adcode
    ]
    source = population_files.population_source_record(session, city_adcode)
    return DataBasisPublic(
        network_id=network.id,
        network_source=network.source,
        network_synthetic=network.synthetic,
        population=None if source is None else PopulationSourcePublic.model_validate(source),
        regions=[city_row, *rows],
    )


def _total(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    first, second = 0, 0
    for a, b in pairs:
        first, second = first + a, second + b
    return first, second


def _region(
    adcode: str, name: str, *, residents: tuple[int, int], facilities: tuple[int, int]
) -> RegionBasisPublic:
    real_people, people = residents
    real, synthetic = facilities
    return RegionBasisPublic(
        region_adcode=adcode,
        region_name=name,
        residents=people,
        residents_on_real_roads=real_people,
        real_road_share=real_people / people if people else None,
        facilities_real=real,
        facilities_synthetic=synthetic,
        real_facility_share=real / (real + synthetic) if real + synthetic else None,
    )


def _facility_counts(session: Session, city_adcode: str) -> dict[str, tuple[int, int]]:
    # (real, synthetic) facilities per region of the city
    is_synthetic = Facility.source == "synthetic"
    rows = session.execute(
        select(Facility.region_adcode, is_synthetic, func.count())
        .join(Region, Region.adcode == Facility.region_adcode)
        .where(or_(Region.city_adcode == city_adcode, Region.adcode == city_adcode))
        .group_by(Facility.region_adcode, is_synthetic)
    ).all()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for region, synthetic, n in rows:
        counts[str(region)][1 if synthetic else 0] += int(n)
    return {region: (real, synth) for region, (real, synth) in counts.items()}
