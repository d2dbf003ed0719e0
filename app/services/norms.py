"""The plans' norm catalogues as the service reads them: loaded once, checked against the seeds.

The catalogues ship with ``geo.norms`` (one YAML file per plan); every citation is checked against
the seed plan texts in ``settings.plans_dir / "seeds"`` when they are loaded, and a defect stops
the service from answering instead of reporting an uncited norm.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from app.errors import ConfigurationError, NotFoundError
from app.schemas.norms import CataloguePublic, CitationPublic, NormCatalogueList, RulePublic
from app.settings import Settings
from geo.norms import (
    DEFAULT_CATALOGUE_DIR,
    SPATIAL_KINDS,
    Binding,
    Catalogue,
    CatalogueError,
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


# the files are looked at again at most this often (a request must not stat them every time)
RECHECK_S = 1.0
_RECENT: dict[tuple[Path, Path], tuple[float, NormCatalogues]] = {}


@lru_cache(maxsize=8)
def _load(directory: Path, seeds_dir: Path, stamp: tuple[tuple[str, int], ...]) -> NormCatalogues:
    # ``stamp`` (file names and modification times) makes an edited catalogue load afresh
    return NormCatalogues(tuple(load_catalogues(directory, seeds_dir=seeds_dir)))


def load_norms(settings: Settings, *, directory: Path = DEFAULT_CATALOGUE_DIR) -> NormCatalogues:
    """Load and check the catalogues in ``directory`` against the seed texts of the settings.

    Raises
    ------
    ConfigurationError
        When no plans folder with ``seeds/`` is configured, or a catalogue is defective (the
        message names the file, the rule and the defect).
    """
    seeds_dir = settings.plans_dir / "seeds" if settings.plans_dir is not None else None
    if seeds_dir is None or not seeds_dir.is_dir():
        msg = "no plan texts: set APP_PLANS_DIR to the folder holding seeds/ (../shared/plans)"
        raise ConfigurationError(msg)
    key = (directory, seeds_dir)
    now = time.monotonic()
    recent = _RECENT.get(key)
    if recent is not None and now - recent[0] < RECHECK_S:
        return recent[1]
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))
    try:
        norms = _load(directory.resolve(), seeds_dir.resolve(), stamp)
    except CatalogueError as exc:
        msg = f"the norm catalogue is defective: {exc}"
        raise ConfigurationError(msg) from exc
    _RECENT[key] = (now, norms)
    return norms


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
