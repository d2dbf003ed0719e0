"""The plans' norm catalogues as the service reads them: loaded once, checked against the texts.

The catalogues ship with ``geo.norms`` (one YAML file per plan, each naming its plan by title,
document number and issuer, with the quotes); a planner adds a city's own in ``APP_NORMS_DIR``.
Every citation is checked against the plan texts when they are at hand (``APP_PLANS_DIR/seeds``,
or the text beside an own catalogue); without them the catalogues load and say their quotes are
unverified. A defect of any other kind stops the service from answering.
"""

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import NotFoundError
from app.services import catalogue_keys
from app.services.catalogue_keys import norms_dir_of, seeds_dir_of
from app.settings import Settings
from geo import messages
from geo.norms import (
    DEFAULT_CATALOGUE_DIR,
    SPATIAL_KINDS,
    Binding,
    Catalogue,
    CatalogueError,
    CatalogueProblem,
    PlanReference,
    Rule,
    load_catalogue,
    load_catalogues,
)

if TYPE_CHECKING:
    # the public forms load when an answer needs them, not with a command's catalogues
    from app.schemas.norms import CitationPublic, NormCatalogueList, RulePublic


@dataclass(frozen=True)
class NormCatalogues:
    """The catalogues of every plan, by the city each governs.

    ``verified`` holds the adcodes of the cities whose quotes were checked against their plan
    text; the others' quotes are unverified (no text at hand) but every other field is checked.
    """

    catalogues: tuple[Catalogue, ...]
    verified: frozenset[str] = frozenset()

    def for_city(self, city_adcode: str) -> Catalogue | None:
        """The catalogue of the plan governing ``city_adcode``, or None."""
        for catalogue in self.catalogues:
            if catalogue.city_adcode == city_adcode:
                return catalogue
        return None

    def quotes_verified(self, city_adcode: str) -> bool:
        """True when the quotes of the city's catalogue were checked against the plan text."""
        return city_adcode in self.verified

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
# the shipped catalogues' folder, the plan texts' folder and the planner's own folder
_Key = tuple[Path, Path | None, Path | None]


class CatalogueStore:
    """The catalogues a process serves: loaded once per change of the files, rechecked at most
    every :data:`RECHECK_S` seconds. ``create_app`` keeps one on ``app.state``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[_Key, tuple[float, NormCatalogues]] = {}
        self._loaded: dict[tuple[_Key, _Stamp], NormCatalogues] = {}

    def load(
        self, settings: Settings, *, directory: Path = DEFAULT_CATALOGUE_DIR
    ) -> NormCatalogues:
        """As :func:`load_norms`, reusing the set loaded from unchanged files."""
        # the folders as configured: resolving them takes system calls, a recheck's work
        configured = (directory, settings.plans_dir, settings.norms_dir)
        now = time.monotonic()
        with self._lock:
            recent = self._recent.get(configured)
        if recent is not None and now - recent[0] < RECHECK_S:
            return recent[1]
        seeds_dir, norms_dir = seeds_dir_of(settings), norms_dir_of(settings)
        key = (directory, seeds_dir, norms_dir)
        # an added, edited or removed file in either folder has another stamp: read afresh
        stamp = (*_stamp(directory), ("--", 0), *_stamp(norms_dir))
        loaded_key = (key, stamp)
        with self._lock:
            norms = self._loaded.get(loaded_key)
        if norms is None:
            norms = _read(directory, seeds_dir, norms_dir)
            with self._lock:
                if len(self._loaded) >= MAX_LOADED:
                    self._loaded.pop(next(iter(self._loaded)))
                self._loaded[loaded_key] = norms
        with self._lock:
            self._recent[configured] = (now, norms)
        return norms


def _stamp(directory: Path | None) -> _Stamp:
    # file names and modification times (catalogues, and plan texts beside own catalogues)
    if directory is None:
        return ()
    return tuple(
        (p.name, p.stat().st_mtime_ns)
        for p in sorted([*directory.glob("*.yaml"), *directory.glob("*.txt")])
    )


def _own_catalogue(path: Path) -> tuple[Catalogue, bool]:
    """A catalogue of the norms folder; its quotes are checked when its plan text lies beside it."""
    catalogue = load_catalogue(path, seeds_dir=None)
    if (path.parent / catalogue.document).is_file():
        return load_catalogue(path, seeds_dir=path.parent), True
    return catalogue, False


def _read(directory: Path, seeds_dir: Path | None, norms_dir: Path | None) -> NormCatalogues:
    shipped = load_catalogues(directory.resolve(), seeds_dir=seeds_dir)
    verified = {c.city_adcode for c in shipped} if seeds_dir is not None else set()
    own: list[Catalogue] = []
    for path in sorted(norms_dir.glob("*.yaml")) if norms_dir is not None else []:
        catalogue, checked = _own_catalogue(path)
        own.append(catalogue)
        verified.discard(catalogue.city_adcode)
        if checked:
            verified.add(catalogue.city_adcode)
    # a city's own catalogue takes the place of the shipped one; rule ids stay unique
    replaced = {c.city_adcode for c in own}
    catalogues = [c for c in shipped if c.city_adcode not in replaced] + own
    owner: dict[str, str] = {}
    problems: list[CatalogueProblem] = []
    for catalogue in catalogues:
        for rule in catalogue.rules:
            if rule.id in owner and owner[rule.id] != catalogue.city_adcode:
                msg = f"duplicate rule id: in the catalogues of {owner[rule.id]} and "
                problems.append(CatalogueProblem(rule.id, msg + catalogue.city_adcode))
            owner.setdefault(rule.id, catalogue.city_adcode)
    if problems:
        raise CatalogueError(norms_dir or directory, problems)
    return NormCatalogues(tuple(catalogues), frozenset(verified))


def load_norms(settings: Settings, *, directory: Path = DEFAULT_CATALOGUE_DIR) -> NormCatalogues:
    """Load the catalogues in ``directory`` and ``APP_NORMS_DIR``, checking what can be checked.

    The quotes of the shipped catalogues are checked against ``APP_PLANS_DIR/seeds`` when it is
    there; a catalogue of ``APP_NORMS_DIR`` is checked against its plan text when that lies
    beside it (the file its ``document`` names), and replaces a shipped catalogue of its city.
    Without texts the catalogues load with their quotes unverified
    (:meth:`NormCatalogues.quotes_verified`). Each call reads the files (a command runs once),
    and checks the quotes unless a load of these very files did (:mod:`catalogue_keys`);
    the service keeps a :class:`CatalogueStore`, which sees an added or edited file within
    :data:`RECHECK_S` seconds: no restart.

    Raises
    ------
    CatalogueError
        When a catalogue is defective (the message names the file, the rule and the defect);
        the API answers 503 (:data:`app.api.errors.GEO_STATUS_CODES`).
    """
    # the files' digest before and after: a load that raced an edit is not remembered
    before = catalogue_keys.files_digest(settings, directory=directory)
    known = catalogue_keys.recall(settings, before)
    if known is not None:
        # these very files (plan texts and checking code included) loaded and passed before:
        # their quotes need no second check (the largest part of a load)
        again = _read(directory, None, norms_dir_of(settings))
        if {c.city_adcode: catalogue_sha256(c) for c in again.catalogues} == known.sha256:
            return NormCatalogues(again.catalogues, known.verified)
    norms = _read(directory, seeds_dir_of(settings), norms_dir_of(settings))
    if catalogue_keys.files_digest(settings, directory=directory) == before:
        keys = catalogue_keys.CatalogueKeys(
            sha256={c.city_adcode: catalogue_sha256(c) for c in norms.catalogues},
            verified=norms.verified,
        )
        catalogue_keys.remember(settings, before, keys)
    return norms


def get_catalogue(norms: NormCatalogues, city_adcode: str) -> Catalogue:
    """The catalogue of ``city_adcode``; :class:`NotFoundError` naming the cities that have one."""
    catalogue = norms.for_city(city_adcode)
    if catalogue is None:
        raise NotFoundError.worded(
            "error.norms.no_plan", field="city", city=city_adcode, cities=", ".join(norms.cities)
        )
    return catalogue


def catalogue_sha256(catalogue: Catalogue) -> str:
    """Hash of a catalogue's content (rules, parameters, targets, citations), hex sha256."""
    text = json.dumps(catalogue.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def citation_public(rule: Rule, plan: PlanReference | None = None) -> list["CitationPublic"]:
    """The citations of ``rule`` in their public form, the primary one first, naming the plan."""
    from app.schemas.norms import CitationPublic

    named = {} if plan is None else plan.as_dict()
    return [
        CitationPublic.model_validate({**c.model_dump(mode="json"), **named})
        for c in rule.citations
    ]


def _rule_public(rule: Rule, plan: PlanReference) -> "RulePublic":
    from app.schemas.norms import RulePublic

    data = rule.model_dump(mode="json", exclude={"citations", "binding"})
    return RulePublic.model_validate(
        {
            **data,
            # the 约束性 / 预期性 label as the two flags the API has always had
            "binding": None if rule.binding is None else rule.binding == Binding.BINDING,
            "expected": None if rule.binding is None else rule.binding == Binding.EXPECTED,
            "target_scope": rule.scope_of_target.value,
            "target_share": rule.share_required if rule.kind in SPATIAL_KINDS else None,
            "needs_labels": (
                None
                if rule.needs is None
                else [
                    {"zh": messages.need_label(n, "zh"), "en": messages.need_label(n, "en")}
                    for n in rule.needs
                ]
            ),
            "citations": citation_public(rule, plan),
        }
    )


def list_norms(norms: NormCatalogues, city_adcode: str | None = None) -> "NormCatalogueList":
    """Every catalogue (or the one of ``city_adcode``) with its rules and citations."""
    from app.schemas.norms import CataloguePublic, NormCatalogueList

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
                quotes_verified=norms.quotes_verified(c.city_adcode),
                rules=[_rule_public(rule, c.plan) for rule in c.rules],
            )
            for c in chosen
        ]
    )
