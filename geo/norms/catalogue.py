"""The norm catalogue: one YAML file per plan, every rule cited to an exact span of its seed text.

A rule says what a plan requires (``kind`` and kind-specific ``parameters``, with units in the field
names), where (``applies_to``), the plan's headline figure (``target``) with its year and the plan's
own baseline, whether the plan calls it binding (约束性) or expected (预期性), whether the target is
city-wide or holds in every unit (``target_scope``), and where the plan says so (``citation``: seed
file, line range, exact quote). The catalogue header names the plan by title, issuer and document
number (文号). :func:`load_catalogue` validates a file against the seed texts and
refuses a bad one with a :class:`~geo.norms.CatalogueError` naming the file, the rule and the
defect.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from geo.errors import CatalogueDefectError, CatalogueError, CatalogueProblem
from geo.norms._problems import problem_of_defect, problems_of, shown, yaml_problem
from geo.norms._seeds import SeedText
from geo.norms.citations import Citation, check_citation
from geo.norms.parameters import (
    EmsResponseParameters,
    FacilityPerPopulationParameters,
    Parameters,
    RadiusCoverageParameters,
    Target,
    TravelTimeCoverageParameters,
)
from geo.norms.terms import (
    REGION_SCOPES,
    SETTLEMENT_SCOPES,
    SPATIAL_KINDS,
    Binding,
    RegionLevel,
    RuleKind,
    Scope,
    TargetScope,
)

DEFAULT_CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"

# the C safe loader when libyaml is present (5× faster on the five catalogues), else Python
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_RULE_ID = r"^[a-z][a-z0-9]*\.[a-z0-9_]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Wording(_Model):
    """A sentence of the catalogue in both languages: Chinese (``zh``) and English (``en``).

    The shipped catalogues word each reading twice, with the same meaning. A planner's own
    catalogue may give one plain string instead (the older form): it is then shown as it is in
    both languages.
    """

    zh: str = Field(min_length=1, description="in Chinese (shown by default)")
    en: str = Field(min_length=1, description="in English, the same meaning")

    def in_lang(self, lang: str) -> str:
        """Return the wording in ``lang`` (``"en"``; anything else reads Chinese)."""
        return self.en if lang == "en" else self.zh


def _either_form(value: Any) -> Any:
    # the older single string is one wording shown in both languages
    if isinstance(value, str):
        return {"zh": value, "en": value}
    return value


# ``{zh: …, en: …}``, or one plain string shown in both languages
WordingField = Annotated[
    Wording, BeforeValidator(_either_form, json_schema_input_type=Wording | str)
]


class Baseline(_Model):
    """The plan's own figure for the indicator in its base year (e.g. 7.95 beds per 1,000 in 2020).

    ``value`` is in the unit of the rule's target; ``note`` says where the figure comes from or
    why it differs from what the register measures.
    """

    value: float
    # the plans' baselines are 2019 or 2020 figures; earlier ones are 13th-plan starting points
    year: int = Field(ge=2010, le=2025)
    note: str | None = None


class Rule(_Model):
    """One norm of one plan.

    Attributes
    ----------
    id
        Unique across all catalogues: ``<city>.<name>``, e.g. ``yongzhou.ems_station_radius``.
    kind, parameters
        What is measured and how; ``parameters`` is the model for ``kind`` (the YAML states the
        kind once, on the rule). Omitted only when ``data_gap`` says why the rule cannot be
        evaluated from the facility register.
    applies_to
        Region levels that get a result row (``city``, ``district`` …) and, for spatial rules,
        the settlement types (``urban``, ``rural``) whose residents count.
    target
        The plan's headline figure with its unit; parameters must agree with it.
    binding
        The plan's label: ``binding`` (约束性) or ``expected`` (预期性); None where the plan gives
        none. The older form ``binding: true`` / ``expected: true`` is read as the same.
    year
        The year the target is for (None when the plan gives no year).
    baseline
        The plan's own figure for the indicator in its base year, in the target's unit.
    target_scope
        ``city``: a city-wide target, judged on the city row only (unit rows are ``info``);
        ``unit``: every unit row is judged. Default: ``city`` for ``resource_ratio``, else
        ``unit`` (see :attr:`scope_of_target`).
    target_share
        For spatial rules: the share of residents (0–1] that must be within reach; where the
        plan gives none, ``interpretation`` says why this share is tested.
    interpretation
        How the catalogue reads an ambiguous or silent plan, in Chinese and English
        (``{zh: …, en: …}``; one plain string is shown in both languages).
    data_gap
        Why the facility data cannot evaluate the rule, in Chinese and English like
        ``interpretation``; the rule is then listed once per city in the ``data_gaps`` section
        of every output.
    needs
        With ``data_gap``: exactly what is missing (register fields or data sets).
    citations
        One or more places in the plan (YAML key ``citation``: one mapping or a list).
    """

    id: str = Field(pattern=_RULE_ID)
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    kind: RuleKind
    applies_to: tuple[Scope, ...] = Field(min_length=1)
    parameters: Parameters | None = None
    target: Target
    binding: Binding | None = None
    # the plans run 2021–2025 with a 2035 vision; 2020 is their baseline year
    year: int | None = Field(default=2025, ge=2020, le=2035)
    baseline: Baseline | None = None
    target_scope: TargetScope | None = None
    target_share: float | None = Field(default=None, gt=0, le=1)
    interpretation: WordingField | None = None
    data_gap: WordingField | None = None
    needs: tuple[str, ...] | None = None
    citations: tuple[Citation, ...] = Field(
        min_length=1, validation_alias=AliasChoices("citation", "citations")
    )

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        # the kind is stated once on the rule; the parameter model is chosen by it
        parameters = data.get("parameters")
        if isinstance(parameters, dict) and "kind" in data:
            if "kind" in parameters:
                raise CatalogueDefectError.worded(
                    "catalogue.defect.kind_in_parameters",
                    field="parameters.kind",
                    given=str(parameters["kind"]),
                )
            data["parameters"] = {"kind": data["kind"], **parameters}
        for key in ("citation", "citations"):
            if isinstance(data.get(key), dict):
                data[key] = [data[key]]
        # the older boolean labels: binding: true (约束性) / expected: true (预期性)
        binding, expected = data.get("binding"), data.pop("expected", None)
        if isinstance(binding, bool) or isinstance(expected, bool):
            if binding is True and expected is True:
                raise CatalogueDefectError.worded(
                    "catalogue.defect.binding_and_expected", field="expected"
                )
            label = Binding.BINDING if binding is True else None
            data["binding"] = Binding.EXPECTED if expected is True else label
        elif expected is not None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.expected_label", field="expected", given=str(expected)
            )
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.parameters is None and self.data_gap is None:
            raise CatalogueDefectError.worded(
                "catalogue.defect.parameters_or_gap", field="parameters"
            )
        if self.data_gap is not None and not self.needs:
            raise CatalogueDefectError.worded("catalogue.defect.gap_needs", field="needs")
        if self.needs is not None and self.data_gap is None:
            raise CatalogueDefectError.worded("catalogue.defect.needs_without_gap", field="needs")
        if self.target_share is not None and self.kind not in SPATIAL_KINDS:
            raise CatalogueDefectError.worded(
                "catalogue.defect.share_not_spatial",
                field="target_share",
                kinds=tuple(kind.value for kind in RuleKind if kind in SPATIAL_KINDS),
                given=f"{self.target_share:g}",
            )
        if not self.region_scopes:
            raise CatalogueDefectError.worded(
                "catalogue.defect.no_region_level",
                field="applies_to",
                choices=tuple(scope.value for scope in Scope if scope in REGION_SCOPES),
            )
        if self.parameters is not None:
            problem = (
                self.parameters.target_problem(self.target)
                or self._scope_problem()
                or self._share_problem()
            )
            if problem is not None:
                raise problem
        return self

    def _scope_problem(self) -> CatalogueDefectError | None:
        params = self.parameters
        if isinstance(params, TravelTimeCoverageParameters | RadiusCoverageParameters):
            thresholds = tuple(scope.value for scope in params.settlement_thresholds())
            if set(params.settlement_thresholds()) != self.settlements:
                return CatalogueDefectError.worded(
                    "catalogue.defect.settlements_match",
                    field="applies_to",
                    thresholds=thresholds or ("-",),
                    given=sorted(scope.value for scope in self.settlements),
                )
        elif self.settlements and not isinstance(params, EmsResponseParameters):
            return CatalogueDefectError.worded(
                "catalogue.defect.settlements_not_spatial",
                field="applies_to",
                given=sorted(scope.value for scope in self.settlements),
            )
        if (
            isinstance(params, FacilityPerPopulationParameters)
            and params.per_admin_unit
            and Scope(params.per_admin_unit) not in self.applies_to
        ):
            return CatalogueDefectError.worded(
                "catalogue.defect.per_unit_in_applies_to",
                field="applies_to",
                unit=params.per_admin_unit,
                given=[scope.value for scope in self.applies_to],
            )
        return None

    def _share_problem(self) -> CatalogueDefectError | None:
        legacy = getattr(self.parameters, "min_share", None)
        if self.kind in SPATIAL_KINDS and self.target_share is not None and legacy != 1.0:
            return CatalogueDefectError.worded(
                "catalogue.defect.share_twice",
                field="parameters.min_share",
                share="target_share",
                given=f"{legacy:g}",
            )
        return None

    @property
    def scope_of_target(self) -> TargetScope:
        """Whether the target is city-wide or holds in every unit (the default by kind)."""
        if self.target_scope is not None:
            return self.target_scope
        return TargetScope.CITY if self.kind == RuleKind.RESOURCE_RATIO else TargetScope.UNIT

    @property
    def share_required(self) -> float:
        """For spatial rules: the share of residents that must be within reach (0–1]."""
        if self.target_share is not None:
            return self.target_share
        legacy = getattr(self.parameters, "min_share", None)
        return 1.0 if legacy is None else float(legacy)

    @property
    def region_scopes(self) -> frozenset[Scope]:
        """The region levels this rule produces result rows for."""
        return frozenset(self.applies_to) & REGION_SCOPES

    @property
    def settlements(self) -> frozenset[Scope]:
        """The settlement types (urban, rural) a spatial rule counts residents of."""
        return frozenset(self.applies_to) & SETTLEMENT_SCOPES

    @property
    def citation(self) -> Citation:
        """The primary (first) citation."""
        return self.citations[0]


@dataclass(frozen=True, slots=True)
class PlanReference:
    """The plan a rule comes from, as a citation names it: title, 文号, issuer and seed file."""

    plan_title_zh: str
    plan_title_en: str
    document_number: str | None
    issuer_zh: str
    document: str

    def as_dict(self) -> dict[str, str | None]:
        """Return the fields as a plain mapping (JSON-able)."""
        return {
            "plan_title_zh": self.plan_title_zh,
            "plan_title_en": self.plan_title_en,
            "document_number": self.document_number,
            "issuer_zh": self.issuer_zh,
        }


class Catalogue(_Model):
    """The rules of one plan.

    Attributes
    ----------
    city
        Short lowercase name, the prefix of every rule id (``yongzhou``).
    city_adcode, city_name_zh, city_name_en, city_level
        The unit the plan governs (a prefecture, or a county-level city for Jishou).
    document
        The plan's seed file name.
    plan_title_zh, plan_title_en
        The plan's title as issued, and in English.
    document_number
        The plan's 文号 as printed in the seed (e.g. ``长政办发〔2021〕62号``); None when the seed
        prints none.
    issuer_zh
        The issuing body (发文机关).
    """

    city: str = Field(pattern=r"^[a-z][a-z0-9]*$")
    city_adcode: str = Field(pattern=r"^[0-9]{6}$")
    city_name_zh: str = Field(min_length=1)
    city_name_en: str = Field(min_length=1)
    city_level: Literal[RegionLevel.PREFECTURE, RegionLevel.COUNTY_CITY]
    document: str = Field(min_length=1, pattern=r"^[^/\\]+\.txt$")
    plan_title_zh: str = Field(min_length=1)
    plan_title_en: str = Field(min_length=1)
    document_number: str | None = Field(min_length=1)
    issuer_zh: str = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @property
    def plan(self) -> PlanReference:
        """The plan as citations name it."""
        return PlanReference(
            plan_title_zh=self.plan_title_zh,
            plan_title_en=self.plan_title_en,
            document_number=self.document_number,
            issuer_zh=self.issuer_zh,
            document=self.document,
        )

    def rule(self, rule_id: str) -> Rule:
        """Return the rule with this id, or raise ``KeyError``."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_catalogue(path: Path, *, seeds_dir: Path | None) -> Catalogue:
    """Read and validate one catalogue file.

    Parameters
    ----------
    path
        The YAML catalogue.
    seeds_dir
        The folder holding the seed plan texts the citations name; None when the texts are not
        at hand: every field is still checked, the quotes are then unverified.

    Returns
    -------
    Catalogue

    Raises
    ------
    CatalogueError
        Naming the file and each bad rule: unknown kind, missing or unknown field, bad unit,
        parameters that disagree with the target, duplicate id, a quote not in its seed, or
        lines outside the seed or not where the quote is.
    """
    return _load_catalogue(path, seeds_dir=seeds_dir, seeds={})


def _load_catalogue(path: Path, *, seeds_dir: Path | None, seeds: dict[str, SeedText]) -> Catalogue:
    raw = _read_yaml(path)
    raw_rules = raw.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problem = CatalogueProblem(None, "catalogue.defect.no_rules", field="rules")
        raise CatalogueError(path, [problem])

    # rules one by one, so each problem names its rule
    problems: list[CatalogueProblem] = []
    rules: list[Rule] = []
    for index, raw_rule in enumerate(raw_rules):
        rule, rule_problems = _validate_rule(raw_rule, _raw_rule_id(raw_rule, index))
        problems.extend(rule_problems)
        if rule is not None:
            rules.append(rule)

    # the header (problems of the rule list itself were reported rule by rule)
    header = {key: value for key, value in raw.items() if key != "rules"}
    catalogue: Catalogue | None = None
    try:
        catalogue = Catalogue.model_validate({**header, "rules": rules})
    except ValidationError as exc:
        problems.extend(problems_of(exc, None, skip="rules"))

    # ids: the city prefix and uniqueness within the file
    seen: set[str] = set()
    city = header.get("city")
    for rule in rules:
        if rule.id in seen:
            problems.append(CatalogueProblem(rule.id, "catalogue.defect.duplicate_id", field="id"))
        seen.add(rule.id)
        if isinstance(city, str) and not rule.id.startswith(f"{city}."):
            problems.append(
                CatalogueProblem(
                    rule.id,
                    "catalogue.defect.id_prefix",
                    field="id",
                    fields={"prefix": f"{city}."},
                    given=rule.id,
                )
            )

    # citations: the plan's own seed, and the quote where the lines say
    document = header.get("document")
    for rule in rules:
        for index, citation in enumerate(rule.citations):
            where = "citation" if len(rule.citations) == 1 else f"citation[{index}]"
            if isinstance(document, str) and citation.document != document:
                problems.append(
                    CatalogueProblem(
                        rule.id,
                        "catalogue.defect.other_plan",
                        field=f"{where}.document",
                        fields={"document": document},
                        given=citation.document,
                    )
                )
                continue
            # without the plan texts the quote stays unverified (the caller says so)
            defect = (
                None
                if seeds_dir is None
                else check_citation(citation, seeds_dir=seeds_dir, seeds=seeds)
            )
            if defect is not None:
                problems.append(problem_of_defect(defect, rule.id, prefix=(where,)))

    if problems or catalogue is None:
        raise CatalogueError(path, problems)
    return catalogue


def load_catalogues(
    directory: Path = DEFAULT_CATALOGUE_DIR, *, seeds_dir: Path | None
) -> list[Catalogue]:
    """Read and validate every ``*.yaml`` catalogue in ``directory``, in file-name order.

    Parameters
    ----------
    directory
        The catalogue folder; by default the one shipped with this package.
    seeds_dir
        The folder holding the seed plan texts; None leaves the quotes unverified.

    Raises
    ------
    CatalogueError
        For the first bad file, or naming rule ids that occur in more than one file.
    """
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise CatalogueError(directory, [CatalogueProblem(None, "catalogue.defect.no_files")])
    seeds: dict[str, SeedText] = {}
    catalogues = [_load_catalogue(path, seeds_dir=seeds_dir, seeds=seeds) for path in paths]

    # rule ids are unique across all plans
    owner: dict[str, str] = {}
    problems: list[CatalogueProblem] = []
    for path, catalogue in zip(paths, catalogues, strict=True):
        for rule in catalogue.rules:
            if rule.id in owner:
                fields = {"first": owner[rule.id], "second": path.name}
                problems.append(
                    CatalogueProblem(
                        rule.id, "catalogue.defect.duplicate_across", field="id", fields=fields
                    )
                )
            owner.setdefault(rule.id, path.name)
    if problems:
        raise CatalogueError(directory, problems)
    return catalogues


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        # both loaders are safe loaders (no arbitrary objects); ruff cannot see through getattr
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        raise CatalogueError(path, [yaml_problem(exc)]) from exc
    except UnicodeDecodeError as exc:
        problem = CatalogueProblem(None, "catalogue.defect.not_utf8")
        raise CatalogueError(path, [problem]) from exc
    if not isinstance(raw, dict):
        problem = CatalogueProblem(None, "catalogue.defect.not_a_mapping", given=shown(raw))
        raise CatalogueError(path, [problem])
    return raw


def _raw_rule_id(raw_rule: Any, index: int) -> str:
    if isinstance(raw_rule, dict) and isinstance(raw_rule.get("id"), str):
        return str(raw_rule["id"])
    return f"rules[{index}]"


def _validate_rule(raw_rule: Any, rule_id: str) -> tuple[Rule | None, list[CatalogueProblem]]:
    if not isinstance(raw_rule, dict):
        problem = CatalogueProblem(
            rule_id, "catalogue.defect.rule_not_a_mapping", given=shown(raw_rule)
        )
        return None, [problem]
    kind = raw_rule.get("kind")
    known = tuple(k.value for k in RuleKind)
    if kind is None:
        return None, [CatalogueProblem(rule_id, "pydantic.missing", field="kind")]
    if kind not in known:
        fields = {"expected": known}
        problem = CatalogueProblem(
            rule_id, "catalogue.defect.unknown_kind", field="kind", fields=fields, given=shown(kind)
        )
        return None, [problem]
    try:
        return Rule.model_validate(raw_rule), []
    except ValidationError as exc:
        # a single citation mapping is written without an index (citation.lines)
        single = {key for key in ("citation", "citations") if isinstance(raw_rule.get(key), dict)}
        return None, problems_of(exc, rule_id, single=single)


def rules_by_id(catalogues: Iterable[Catalogue]) -> Mapping[str, Rule]:
    """Index the rules of several catalogues by id."""
    return {rule.id: rule for catalogue in catalogues for rule in catalogue.rules}
