"""Facility inventories of the five plans, each figure cited or marked as an estimate.

The figures are data: one YAML file per city in ``geo/demo/inventories/`` (``changsha.yaml`` …),
validated when loaded (:func:`load_inventories`), with every citation a
:class:`geo.norms.citations.Citation`; ``_per_unit_hospitals.yaml`` cites where the plans call
for a general, a TCM and a maternal & child hospital in every county-level unit.

A figure is *stated* (``estimated: false``) only when its number is printed in the quotes of its
citations (seeds in ``../shared/plans/seeds``). Anything else, arithmetic on stated numbers
included, is an estimate carrying the rule that produced it. Populations in the rules are the
2020 census figures of ``../shared/data/hunan/hunan_county_population_2020.csv``: urban =
population × census urban share, rural = the rest, summed over a city's county-level rows; a
county-level unit is a row whose adcode does not end in 70–79 (those are development or
management zones without a polygon).

Estimation rules shared by several cities:

- tertiary hospitals: Hengyang's 9 tertiary hospitals (001 L13) per its 6,645,243 residents,
  i.e. 1.354 per million, times the city's residents;
- hospitals: the 506 hospitals of Changsha (241, 003 L27), Yueyang (125, 000 L4) and Yongzhou
  (34 + 106, 004 L150–156) per their 20,389,660 residents, i.e. 24.82 per million;
- public hospitals: 3 per county-level unit (a general, a TCM and a maternal & child hospital;
  Yongzhou states 34 public hospitals for its 11 units, 004 L25, L150–152);
- community health stations: Changsha's 226 stations per 84 centres (003 L27) times the centres;
- village clinics: the 6,542,140 rural residents of Changsha, Yueyang and Yongzhou per their 5,671
  clinics (1,280 + 1,431 + 2,960), i.e. one per 1,154 rural residents;
- 120 centres: one city centre plus one (sub-)centre per county-level unit (Yongzhou 004
  L1130–1136); a county-level city is its own county, so it has one centre;
- EMS stations: one at the general hospital of every county-level unit plus two at central
  township health centres in every county and county-level city (stations belong at grade-II+
  hospitals and capable central township health centres, 004 L1138–1140);
- ambulances: the norm's fleet, one per 30,000 residents with the residents of counties and
  county-level cities counted three times (000 L216), times a compliance factor of 0.6 — an
  illustrative assumption (no plan states its fleet) so that the demo has gaps to look at;
- critical maternal / neonatal centres: 70 % of the county-level units (illustrative, so that the
  "one per city and county" norm, 001 L282, has both passes and fails).
"""

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

import yaml
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, model_validator

from geo.demo.rows import HOSPITAL_TYPES
from geo.errors import GeoError, InventoryError
from geo.norms.citations import Citation, check_citation

DEFAULT_INVENTORY_DIR = Path(__file__).resolve().parent / "inventories"
# the citations of the per-unit hospitals: not a city, so its name starts with "_"
_PER_UNIT_FILE = "_per_unit_hospitals.yaml"
# the C safe loader when libyaml is present, else the Python one (both are safe loaders)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INVENTORY_KEYS: tuple[str, ...] = (
    "hospitals",
    "public_hospitals",
    "tertiary_hospitals",
    "township_health_centers",
    "community_health_centers",
    "community_health_stations",
    "village_clinics",
    "beds",
    "physicians",
    "nurses",
    "general_practitioners",
    "pharmacists",
    "ems_centers",
    "ems_stations",
    "ambulances",
    "critical_maternal_centres",
    "critical_neonatal_centres",
)

# the share of the norm's ambulance fleet the demo gives a city (illustrative, see module doc)
AMBULANCE_COMPLIANCE = 0.6


class InventoryFigure(BaseModel):
    """One count of a city's inventory (end of 2020), stated by its plan or estimated.

    Attributes
    ----------
    value
        The count (facilities, beds, staff or vehicles).
    estimated
        False only when ``value`` is printed in the quotes of ``citations``.
    rule
        How an estimate was derived (required when ``estimated``).
    citations
        Where the stated figure, or the printed basis of an estimate, is (YAML key
        ``citation``: one mapping or a list; more than one when a table puts a label and its
        value on different lines).
    note
        How a stated figure is read when the text is ambiguous.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int
    estimated: bool
    rule: str | None = None
    citations: tuple[Citation, ...] = Field(
        default=(), validation_alias=AliasChoices("citation", "citations")
    )
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_or_many(cls, data: Any) -> Any:
        # a single citation may be written as one mapping
        if isinstance(data, dict):
            for key in ("citation", "citations"):
                if isinstance(data.get(key), dict | Citation):
                    data = {**data, key: [data[key]]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.value < 0:
            msg = f"an inventory figure cannot be negative, got {self.value}"
            raise ValueError(msg)
        if self.estimated and not self.rule:
            msg = f"the estimated figure {self.value} needs the rule that produced it"
            raise ValueError(msg)
        if not self.estimated and str(self.value) not in self.printed:
            msg = (
                f"the figure {self.value} is marked stated but is not printed in its quote "
                f"{self.printed!r}; mark it estimated and give the rule"
            )
            raise ValueError(msg)
        return self

    @property
    def printed(self) -> str:
        """The quotes of the citations, joined: the text a stated figure must appear in."""
        return "".join(c.quote for c in self.citations)


class CityInventory(BaseModel):
    """The facility inventory of one city: every key of :data:`INVENTORY_KEYS` once.

    Attributes
    ----------
    adcode
        Six-digit administrative code of the city the plan governs.
    name
        Chinese name of the city, used in generated names (e.g. ``长沙市120急救中心``).
    figures
        Figure per key of :data:`INVENTORY_KEYS`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    adcode: str = Field(min_length=1)
    name: str = Field(min_length=1)
    figures: Mapping[str, InventoryFigure] = Field(repr=False)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        missing = [k for k in INVENTORY_KEYS if k not in self.figures]
        unknown = sorted(set(self.figures) - set(INVENTORY_KEYS))
        if missing or unknown:
            msg = f"inventory of {self.adcode}: missing keys {missing}, unknown keys {unknown}"
            raise ValueError(msg)
        # read-only, like the rest of the model
        object.__setattr__(self, "figures", MappingProxyType(dict(self.figures)))
        return self

    def value(self, key: str) -> int:
        """Return the count of ``key`` (one of :data:`INVENTORY_KEYS`)."""
        if key not in self.figures:
            raise InventoryError.worded(
                "input.common.choice", field="key", value=key, expected=" / ".join(INVENTORY_KEYS)
            )
        return self.figures[key].value

    @classmethod
    def from_counts(
        cls,
        *,
        adcode: str,
        name: str,
        counts: Mapping[str, int],
        rule: str = "supplied by the caller",
    ) -> "CityInventory":
        """Build an inventory from plain counts, every one marked estimated with ``rule``."""
        figures = {k: {"value": int(v), "estimated": True, "rule": rule} for k, v in counts.items()}
        return parse_inventory({"adcode": adcode, "name": name, "figures": figures}, source=adcode)


def parse_inventory(raw: Any, *, source: str) -> CityInventory:
    """Validate one inventory given as plain data (the content of a YAML file).

    Parameters
    ----------
    raw
        Mapping with ``adcode``, ``name`` and ``figures`` (key -> ``value``, ``estimated``,
        ``rule``, ``citation``, ``note``).
    source
        What the data came from (a file name), for the messages.

    Raises
    ------
    GeoError
        Naming ``source``, the figure and the defect: a missing or unknown key or field, a
        negative count, an estimate without its rule, or a stated figure not printed in its
        quotes (a defect of a shipped file, not an input error).
    """
    try:
        return CityInventory.model_validate(raw)
    except ValidationError as exc:
        # the inventories ship with the package: a defect is its author's, never a planner's
        problems = "; ".join(_error_lines(exc))
        msg = f"{source}: {problems}"
        raise GeoError(msg) from exc


def load_inventory(path: Path, *, seeds_dir: Path | None = None) -> CityInventory:
    """Read and validate one city's inventory file.

    Parameters
    ----------
    path
        The YAML file.
    seeds_dir
        The folder of seed plan texts; when given, every citation is also checked against its
        seed (:func:`geo.norms.citations.check_citation`).

    Raises
    ------
    InventoryError
        The file cannot be read or holds no mapping.
    GeoError
        Naming the file, the figure and the defect (see :func:`parse_inventory`).
    """
    inventory = parse_inventory(_read_yaml(path), source=path.name)
    if seeds_dir is not None:
        for key, figure in inventory.figures.items():
            _check_citations(path, key, figure.citations, seeds_dir)
    return inventory


def load_inventories(
    directory: Path = DEFAULT_INVENTORY_DIR, *, seeds_dir: Path | None = None
) -> Mapping[str, CityInventory]:
    """Read and validate every city's inventory in ``directory``, keyed by city adcode.

    Files whose name starts with ``_`` are not cities and are skipped. See
    :func:`load_inventory` for ``seeds_dir``.

    Raises
    ------
    InventoryError
        For the first bad file, or naming a city adcode given by two files.
    """
    found: dict[str, CityInventory] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        inventory = load_inventory(path, seeds_dir=seeds_dir)
        if inventory.adcode in found:
            raise InventoryError.worded(
                "input.demo.inventory_twice",
                field="directory",
                name=path.name,
                city=inventory.adcode,
            )
        found[inventory.adcode] = inventory
    if not found:
        raise InventoryError.worded(
            "input.demo.no_inventory", field="directory", name=directory.name
        )
    return MappingProxyType(found)


def load_per_unit_hospitals(
    directory: Path = DEFAULT_INVENTORY_DIR, *, seeds_dir: Path | None = None
) -> Mapping[str, tuple[Citation, ...]]:
    """Where the plans call for a general, a TCM and a maternal & child hospital in every unit.

    Returns
    -------
    Mapping
        Hospital type -> its citations (``_per_unit_hospitals.yaml``), in file order.

    Raises
    ------
    InventoryError
        Naming the file and the entry that is not a hospital type.
    GeoError
        Naming the file and the entry with a bad citation (a defect of a shipped file).
    """
    path = directory / _PER_UNIT_FILE
    raw = _read_yaml(path)
    out: dict[str, tuple[Citation, ...]] = {}
    for ftype, citations in raw.items():
        if ftype not in HOSPITAL_TYPES:
            raise InventoryError.worded(
                "input.demo.hospital_type",
                field="directory",
                name=path.name,
                value=ftype,
                expected=" / ".join(HOSPITAL_TYPES),
            )
        try:
            out[str(ftype)] = tuple(Citation.model_validate(c) for c in citations)
        except (ValidationError, TypeError) as exc:
            # a shipped file's defect, for its author
            msg = f"{path.name}: {ftype}: {exc}"
            raise GeoError(msg) from exc
        if seeds_dir is not None:
            _check_citations(path, str(ftype), out[str(ftype)], seeds_dir)
    return MappingProxyType(out)


@cache
def shipped_inventories() -> Mapping[str, CityInventory]:
    """The five plans' inventories shipped with this package (read once)."""
    return load_inventories()


@cache
def shipped_per_unit_hospitals() -> Mapping[str, tuple[Citation, ...]]:
    """The hospitals every county-level unit gets, in placing order, with their citations.

    Read once from the ``_per_unit_hospitals.yaml`` shipped with this package.
    """
    return load_per_unit_hospitals()


def get_inventory(adcode: str) -> CityInventory:
    """Return the inventory of the city with six-digit ``adcode`` (one of the shipped ones)."""
    inventories = shipped_inventories()
    if adcode not in inventories:
        raise InventoryError.worded(
            "input.demo.no_city_inventory",
            field="adcode",
            value=adcode,
            known=" / ".join(sorted(inventories)),
        )
    return inventories[adcode]


def _check_citations(
    path: Path, key: str, citations: tuple[Citation, ...], seeds_dir: Path
) -> None:
    for citation in citations:
        problem = check_citation(citation, seeds_dir=seeds_dir)
        if problem is not None:
            # a shipped file's quote not found in its plan: a defect for its author
            msg = f"{path.name}: {key}: {problem}"
            raise GeoError(msg)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        # both loaders are safe loaders (no arbitrary objects); ruff cannot see through getattr
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise InventoryError.worded(
            "input.common.unreadable_yaml", field="path", name=path.name
        ) from exc
    if not isinstance(raw, dict):
        raise InventoryError.worded("input.common.yaml_mapping", field="path", name=path.name)
    return raw


def _error_lines(exc: ValidationError) -> list[str]:
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return lines
