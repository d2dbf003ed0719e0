"""The plans' norm catalogues as the service reads them: loaded once, checked against the seeds.

The catalogues ship with ``geo.norms`` (one YAML file per plan); every citation is checked against
the seed plan texts in ``settings.plans_dir / "seeds"`` when they are loaded, and a defect stops
the service from answering instead of reporting an uncited norm.
"""

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from app.errors import ConfigurationError, NotFoundError
from app.schemas.norms import CataloguePublic, CitationPublic, NormCatalogueList, RulePublic
from app.settings import Settings
from geo.norms import (
    DEFAULT_CATALOGUE_DIR,
    SPATIAL_KINDS,
    Binding,
    Catalogue,
    PlanReference,
    Rule,
    load_catalogues,
)


@dataclass(frozen=True)
class NormCatalogues:
    """The catalogues of every plan, by the city each governs."""

    catalogues: tuple[Catalogue, ...]

    def for_city(self, city_adcode: str) -> Catalogue | None:
        """The catalogue of the plan governing ``city_adcode``, or None."""
        for catalogue in self.catalogues:
            if catalogue.city_adcode == city_adcode:
                return catalogue
        return None

    @property
    def cities(self) -> list[str]:
        """Adcodes of the cities with a catalogue, in order."""
        return sorted(catalogue.city_adcode for catalogue in self.catalogues)

    @cached_property
    def key(self) -> str:
        """A short hash of every catalogue's content (keys cached answers), computed once."""
        text = " ".join(catalogue_sha256(c) for c in self.catalogues)
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


# the files are looked at again at most this often (a request must not stat them every time)
RECHECK_S = 1.0
# loaded sets kept per folder and file stamp (an edited catalogue loads afresh)
MAX_LOADED = 8

_Stamp = tuple[tuple[str, int], ...]


class CatalogueStore:
    """The catalogues a process serves: loaded once per change of the files, rechecked at most
    every :data:`RECHECK_S` seconds. ``create_app`` keeps one on ``app.state``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[tuple[Path, Path], tuple[float, NormCatalogues]] = {}
        self._loaded: dict[tuple[Path, Path, _Stamp], NormCatalogues] = {}

    def load(
        self, settings: Settings, *, directory: Path = DEFAULT_CATALOGUE_DIR
    ) -> NormCatalogues:
        """As :func:`load_norms`, reusing the set loaded from unchanged files."""
        seeds_dir = _seeds_dir(settings)
        key = (directory, seeds_dir)
        now = time.monotonic()
        with self._lock:
            recent = self._recent.get(key)
        if recent is not None and now - recent[0] < RECHECK_S:
            return recent[1]
        stamp = _stamp(directory)
        loaded_key = (directory.resolve(), seeds_dir.resolve(), stamp)
        with self._lock:
            norms = self._loaded.get(loaded_key)
        if norms is None:
            norms = _read(directory, seeds_dir)
            with self._lock:
                if len(self._loaded) >= MAX_LOADED:
                    self._loaded.pop(next(iter(self._loaded)))
                self._loaded[loaded_key] = norms
        with self._lock:
            self._recent[key] = (now, norms)
        return norms


def _seeds_dir(settings: Settings) -> Path:
    seeds_dir = settings.plans_dir / "seeds" if settings.plans_dir is not None else None
    if seeds_dir is None or not seeds_dir.is_dir():
        msg = "no plan texts: set APP_PLANS_DIR to the folder holding seeds/ (../shared/plans)"
        raise ConfigurationError(msg)
    return seeds_dir


def _stamp(directory: Path) -> _Stamp:
    # file names and modification times: an edited catalogue has another stamp
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))


def _read(directory: Path, seeds_dir: Path) -> NormCatalogues:
    return NormCatalogues(
        tuple(load_catalogues(directory.resolve(), seeds_dir=seeds_dir.resolve()))
    )


def load_norms(settings: Settings, *, directory: Path = DEFAULT_CATALOGUE_DIR) -> NormCatalogues:
    """Load and check the catalogues in ``directory`` against the seed texts of the settings.

    Each call reads the files (a command runs once); the service keeps a :class:`CatalogueStore`.

    Raises
    ------
    ConfigurationError
        When no plans folder with ``seeds/`` is configured.
    CatalogueError
        When a catalogue is defective (the message names the file, the rule and the defect);
        the API answers 503 (:data:`app.api.errors.GEO_STATUS_CODES`).
    """
    return _read(directory, _seeds_dir(settings))


def get_catalogue(norms: NormCatalogues, city_adcode: str) -> Catalogue:
    """The catalogue of ``city_adcode``; :class:`NotFoundError` naming the cities that have one."""
    catalogue = norms.for_city(city_adcode)
    if catalogue is None:
        msg = (
            f"no plan norms for city {city_adcode}: catalogues exist for {', '.join(norms.cities)}"
        )
        raise NotFoundError(msg, details=[{"field": "city", "msg": msg}])
    return catalogue


def catalogue_sha256(catalogue: Catalogue) -> str:
    """Hash of a catalogue's content (rules, parameters, targets, citations), hex sha256."""
    text = json.dumps(catalogue.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def citation_public(rule: Rule, plan: PlanReference | None = None) -> list[CitationPublic]:
    """The citations of ``rule`` in their public form, the primary one first, naming the plan."""
    named = {} if plan is None else plan.as_dict()
    return [
        CitationPublic.model_validate({**c.model_dump(mode="json"), **named})
        for c in rule.citations
    ]


def _rule_public(rule: Rule, plan: PlanReference) -> RulePublic:
    data = rule.model_dump(mode="json", exclude={"citations", "binding"})
    return RulePublic.model_validate(
        {
            **data,
            # the 约束性 / 预期性 label as the two flags the API has always had
            "binding": None if rule.binding is None else rule.binding == Binding.BINDING,
            "expected": None if rule.binding is None else rule.binding == Binding.EXPECTED,
            "target_scope": rule.scope_of_target.value,
            "target_share": rule.share_required if rule.kind in SPATIAL_KINDS else None,
            "citations": citation_public(rule, plan),
        }
    )


def list_norms(norms: NormCatalogues, city_adcode: str | None = None) -> NormCatalogueList:
    """Every catalogue (or the one of ``city_adcode``) with its rules and citations."""
    chosen = [get_catalogue(norms, city_adcode)] if city_adcode is not None else norms.catalogues
    return NormCatalogueList(
        catalogues=[
            CataloguePublic(
                city=c.city,
                city_adcode=c.city_adcode,
                city_name_zh=c.city_name_zh,
                city_name_en=c.city_name_en,
                city_level=c.city_level.value,
                document=c.document,
                plan_title_zh=c.plan_title_zh,
                plan_title_en=c.plan_title_en,
                document_number=c.document_number,
                issuer_zh=c.issuer_zh,
                rules=[_rule_public(rule, c.plan) for rule in c.rules],
            )
            for c in chosen
        ]
    )
