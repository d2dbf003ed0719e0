"""Which regions a rule produces rows for, and which facilities lie in a region."""

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import replace
from typing import TypeVar

from geo.errors import NormEvaluationError
from geo.norms.catalogue import Rule
from geo.norms.inputs import FacilityInput, RegionInput
from geo.norms.parameters import FacilitySelector
from geo.norms.terms import RegionLevel, Scope

_SCOPE_LEVELS = {
    Scope.DISTRICT: RegionLevel.DISTRICT,
    Scope.COUNTY: RegionLevel.COUNTY,
    Scope.COUNTY_CITY: RegionLevel.COUNTY_CITY,
    Scope.ZONE: RegionLevel.ZONE,
}
COUNTY_LEVEL_UNITS = frozenset(_SCOPE_LEVELS.values())
# the units that can host a zone (and hold facilities)
HOST_LEVELS = COUNTY_LEVEL_UNITS - {RegionLevel.ZONE}

T = TypeVar("T")


def _fold_zone(host: RegionInput, zone: RegionInput) -> RegionInput:
    """Return ``host`` with ``zone``'s residents, urban residents and sub-units added."""
    population = (
        None
        if host.population is None or zone.population is None
        else host.population + zone.population
    )
    urban_share = host.urban_share
    if population and host.population is not None and zone.population is not None:
        if host.urban_share is None or zone.urban_share is None:
            urban_share = None
        else:
            urban = host.population * host.urban_share + zone.population * zone.urban_share
            urban_share = urban / population

    # a zone absent from the township table adds no townships (it has none of its own)
    def _add(mine: int | None, theirs: int | None) -> int | None:
        return mine if mine is None or theirs is None else mine + theirs

    return replace(
        host,
        population=population,
        urban_share=urban_share,
        township_count=_add(host.township_count, zone.township_count),
        subdistrict_count=_add(host.subdistrict_count, zone.subdistrict_count),
    )


class RegionIndex:
    """The regions of one plan's city, with their parent links.

    A development or management zone (``zone``) holds no facilities of its own: its residents
    live in the unit that hosts it (its parent, when that is a county-level unit), and are
    counted there, as the population surface already places them. The host's population,
    urban share and township / sub-district counts here include its zones'; a zone whose parent
    is the city itself has no host, and its residents count in the city total only.

    Parameters
    ----------
    regions
        The city and its county-level units (any order); ``parent_adcode`` links a unit to the
        city, so the city row counts the unit's facilities.
    city_adcode
        The adcode of the unit the plan governs (its ``city`` scope).

    An index serves one rule's evaluation: what it derives from the facilities given to it
    (:meth:`matching`, :meth:`memo`) is kept for as long as it lives, so those sequences must
    not change meanwhile.
    """

    def __init__(self, regions: Iterable[RegionInput], *, city_adcode: str) -> None:
        self.city_adcode = city_adcode
        self.regions: dict[str, RegionInput] = {}
        for region in regions:
            if region.adcode in self.regions:
                msg = f"region {region.adcode} is given twice"
                raise NormEvaluationError(msg)
            self.regions[region.adcode] = region
        # zones' residents count in their host unit (D1)
        self.hosts: dict[str, str] = {}
        for zone in [r for r in self.regions.values() if r.level == RegionLevel.ZONE]:
            host = self.regions.get(zone.parent_adcode or "")
            if host is None or host.level not in HOST_LEVELS or host.adcode == city_adcode:
                continue
            self.hosts[zone.adcode] = host.adcode
            self.regions[host.adcode] = _fold_zone(self.regions[host.adcode], zone)
        # per region adcode, the adcodes inside it (built on first use, see members)
        self._members: dict[str, frozenset[str]] = {}
        # values derived from given objects, by key: (the objects, the value)
        self._memo: dict[Hashable, tuple[tuple[object, ...], object]] = {}

    def host_of(self, zone: RegionInput) -> RegionInput | None:
        """Return the unit whose figures include ``zone``'s residents; None without a host."""
        host = self.hosts.get(zone.adcode)
        return None if host is None else self.regions[host]

    def in_scope(self, rule: Rule) -> list[RegionInput]:
        """Return the regions ``rule`` produces a row for: the city first, then units by adcode,
        then zones by adcode."""
        scopes = rule.region_scopes
        levels = {_SCOPE_LEVELS[s] for s in scopes if s in _SCOPE_LEVELS}
        chosen: list[RegionInput] = []
        city = self.regions.get(self.city_adcode)
        if Scope.CITY in scopes and city is not None:
            chosen.append(city)
        # zones last: they hold no facilities and follow the units that host them
        chosen.extend(
            region
            for adcode, region in sorted(
                self.regions.items(), key=lambda item: (item[1].level == RegionLevel.ZONE, item[0])
            )
            if adcode != self.city_adcode and region.level in levels
        )
        return chosen

    def is_city(self, region: RegionInput) -> bool:
        """Tell whether ``region`` is the unit the plan governs."""
        return region.adcode == self.city_adcode

    def contains(self, region: RegionInput, adcode: str | None) -> bool:
        """Tell whether the unit ``adcode`` is ``region`` or lies inside it."""
        seen: set[str] = set()
        current = adcode
        while current is not None and current not in seen:
            if current == region.adcode:
                return True
            seen.add(current)
            parent = self.regions.get(current)
            current = parent.parent_adcode if parent is not None else None
        return False

    def members(self, region: RegionInput) -> frozenset[str]:
        """Return the adcodes :meth:`contains` tells are ``region`` or inside it.

        The set is walked once per region and kept, so a lookup per facility or point is a set
        membership test instead of a walk up the parent links.
        """
        found = self._members.get(region.adcode)
        if found is None:
            # an adcode outside the index lies in no region but its own
            inside = {adcode for adcode in self.regions if self.contains(region, adcode)}
            found = frozenset({region.adcode, *inside})
            self._members[region.adcode] = found
        return found

    def units_of(self, region: RegionInput) -> list[RegionInput]:
        """Return the county-level units inside ``region`` (not ``region`` itself)."""
        return [
            unit
            for adcode, unit in sorted(self.regions.items())
            if adcode != region.adcode
            and unit.level in COUNTY_LEVEL_UNITS
            and self.contains(region, unit.parent_adcode)
        ]

    def facilities_in(
        self,
        region: RegionInput,
        facilities: Iterable[FacilityInput],
        selectors: Sequence[FacilitySelector] | None = None,
    ) -> list[FacilityInput]:
        """Return the facilities in ``region`` matching any of ``selectors`` (all when None)."""
        inside = self.members(region)
        return [f for f in self.matching(facilities, selectors) if f.region_adcode in inside]

    def matching(
        self,
        facilities: Iterable[FacilityInput],
        selectors: Sequence[FacilitySelector] | None = None,
    ) -> list[FacilityInput]:
        """Return the ``facilities`` matching any of ``selectors`` (all when None), in order.

        Worked out once per sequence and selectors for this index (every region of a rule asks
        again), so the list returned is shared: do not change it.
        """
        if not isinstance(facilities, Sequence):
            return [f for f in facilities if selectors is None or selects(selectors, f)]
        given = facilities

        def build() -> list[FacilityInput]:
            if selectors is None:
                return list(given)
            # selectors read a facility's kind alone: each kind is asked once, not each facility
            kinds, first = self._kinds(given)
            verdict = [selects(selectors, given[i]) for i in first]
            return [f for f, kind in zip(given, kinds, strict=True) if verdict[kind]]

        return self.memo(("matching", id(given), id(selectors)), (given, selectors), build)

    def _kinds(self, facilities: Sequence[FacilityInput]) -> tuple[list[int], list[int]]:
        """Per facility the number of its kind (type, grade, owner and services: all a
        selector reads), and the position of the first facility of each kind."""

        def build() -> tuple[list[int], list[int]]:
            numbers: dict[tuple[object, ...], int] = {}
            kinds: list[int] = []
            first: list[int] = []
            for i, f in enumerate(facilities):
                key = (f.type, f.grade, f.ownership, f.flags)
                kind = numbers.get(key)
                if kind is None:
                    kind = numbers[key] = len(first)
                    first.append(i)
                kinds.append(kind)
            return kinds, first

        return self.memo(("kinds", id(facilities)), (facilities,), build)

    def memo(self, key: Hashable, given: tuple[object, ...], build: Callable[[], T]) -> T:
        """Return ``build()``, computed once per ``key`` for this index.

        ``key`` names the objects the value derives from by ``id``; they are passed as ``given``
        and kept with the value, so no other object can take their ids while the index lives.
        """
        found = self._memo.get(key)
        if found is not None and all(a is b for a, b in zip(found[0], given, strict=True)):
            return found[1]  # type: ignore[return-value]  # stored by this key's build
        value = build()
        self._memo[key] = (given, value)
        return value


def selects(selectors: Sequence[FacilitySelector], facility: FacilityInput) -> bool:
    """Tell whether ``facility`` matches any of ``selectors``."""
    return any(
        selector.matches(facility.type, facility.grade, facility.ownership, facility.flags)
        for selector in selectors
    )
