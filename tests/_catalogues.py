"""Broken catalogues, one defect each, built from the README's Zhuzhou example (430200).

Each :class:`Broken` names the defect's message key, the rule and the field its problem must
name; :data:`BROKEN` covers every pydantic error type a catalogue file can raise and every
defect the catalogue models find (see ``tests/geo/norms/test_problems.py``).
"""

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.settings import PROJECT_ROOT

# the plan text the example's quotes stand in (line 2 and line 3, as cited)
PLAN_TEXT = (
    "株洲市卫生健康规划（示例）\n"
    "到2025年，每千人口医疗卫生机构床位数达到7.5张。\n"
    "基本建成15分钟就医圈。\n"
)
BEDS = "zhuzhou.beds_per_1000"
CIRCLE = "zhuzhou.care_circle_15min"
OTHER = "zhuzhou.other"


def readme_catalogue() -> str:
    """The README's complete example catalogue (Zhuzhou), as YAML text."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.DOTALL)
    (block,) = [b for b in blocks if 'city_adcode: "430200"' in b]
    return block


def example() -> dict[str, Any]:
    """The README's example as a mapping (a fresh copy each call)."""
    loaded = yaml.safe_load(readme_catalogue())
    assert isinstance(loaded, dict)
    return copy.deepcopy(loaded)


Edit = Callable[[dict[str, Any]], object]


@dataclass(frozen=True)
class Broken:
    """One defect: how it is made, and what its problem must say.

    ``edit`` changes the example in place (its answer, if any, replaces the whole file: a
    string is written as it is, bytes as bytes); ``key`` is the message of the problem,
    ``rule`` and ``field`` where it must be.
    """

    name: str
    edit: Edit
    key: str
    rule: str | None
    field: str | None

    def write(self, folder: Path) -> Path:
        """Write the broken catalogue to ``folder/zhuzhou.yaml`` and return its path."""
        document = example()
        replaced = self.edit(document)
        path = folder / "zhuzhou.yaml"
        if isinstance(replaced, bytes):
            path.write_bytes(replaced)
        elif isinstance(replaced, str):
            path.write_text(replaced, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        return path


def _beds(doc: dict[str, Any]) -> dict[str, Any]:
    rule = doc["rules"][0]
    assert isinstance(rule, dict)
    return rule


def _circle(doc: dict[str, Any]) -> dict[str, Any]:
    rule = doc["rules"][1]
    assert isinstance(rule, dict)
    return rule


def _set(getter: Callable[[dict[str, Any]], dict[str, Any]], path: str, value: object) -> Edit:
    """An edit setting ``path`` (dotted, within the rule) to ``value``; ``...`` deletes it."""

    def edit(doc: dict[str, Any]) -> None:
        node: Any = getter(doc)
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value

    return edit


def _header(name: str, value: object) -> Edit:
    """An edit setting the header field ``name`` to ``value``; ``...`` deletes it."""

    def edit(doc: dict[str, Any]) -> None:
        if value is ...:
            del doc[name]
        else:
            doc[name] = value

    return edit


def _text(replace: str, by: str) -> Edit:
    # an edit of the YAML text itself (tags and values yaml.safe_dump would not write)
    def edit(doc: dict[str, Any]) -> str:
        text = readme_catalogue()
        assert replace in text
        return text.replace(replace, by, 1)

    return edit


def _rule(
    kind: str,
    parameters: dict[str, Any],
    target: dict[str, Any],
    **extra: object,
) -> Edit:
    """An edit adding a third rule of ``kind`` (id ``zhuzhou.other``) citing line 3."""

    def edit(doc: dict[str, Any]) -> None:
        rule: dict[str, Any] = {
            "id": OTHER,
            "title_zh": "示例规则",
            "title_en": "Example rule",
            "kind": kind,
            "applies_to": ["city", "district", "county"],
            "parameters": parameters,
            "target": target,
            "citation": {"document": "zhuzhou_plan.txt", "lines": "L3", "quote": "15分钟就医圈"},
        }
        rule.update(extra)
        doc["rules"].append(rule)

    return edit


HOSPITALS = [{"facility_types": ["general_hospital"]}]
STATIONS = [{"facility_types": ["ems_station", "ems_center"]}]
CENTRES = [{"facility_types": ["township_health_center"]}]


def _fleet(**parameters: object) -> dict[str, Any]:
    return {"facilities": STATIONS, **parameters}


def _count(**parameters: object) -> dict[str, Any]:
    return {"facilities": CENTRES, **parameters}


def _staffing(**parameters: object) -> dict[str, Any]:
    return {"facilities": HOSPITALS, **parameters}


BROKEN: tuple[Broken, ...] = (
    # --- pydantic's error types, in the rule and in the header ---
    Broken("missing", _set(_beds, "title_en", ...), "pydantic.missing", BEDS, "title_en"),
    Broken(
        "missing header",
        _header("issuer_zh", ...),
        "pydantic.missing",
        None,
        "issuer_zh",
    ),
    Broken(
        "extra_forbidden",
        _set(_beds, "parameters.per_1000", 4),
        "pydantic.extra_forbidden",
        BEDS,
        "parameters.per_1000",
    ),
    Broken("string_type", _set(_beds, "title_zh", 5), "pydantic.string_type", BEDS, "title_zh"),
    Broken(
        "string_too_short",
        _set(_beds, "title_zh", ""),
        "pydantic.string_too_short",
        BEDS,
        "title_zh",
    ),
    Broken(
        "string_unicode",
        _text("title_zh: 每千人口医疗卫生机构床位数", 'title_zh: !!binary "/w=="'),
        "pydantic.string_unicode",
        BEDS,
        "title_zh",
    ),
    Broken(
        "string_pattern_mismatch id",
        _set(_beds, "id", "Zhuzhou Beds"),
        "catalogue.pattern.id",
        "Zhuzhou Beds",
        "id",
    ),
    Broken(
        "string_pattern_mismatch adcode",
        _header("city_adcode", "4302"),
        "catalogue.pattern.city_adcode",
        None,
        "city_adcode",
    ),
    Broken(
        "string_pattern_mismatch city",
        _header("city", "Zhuzhou"),
        "catalogue.pattern.city",
        None,
        "city",
    ),
    Broken(
        "string_pattern_mismatch document",
        _set(_beds, "citation.document", "plans/zhuzhou_plan.txt"),
        "catalogue.pattern.document",
        BEDS,
        "citation.document",
    ),
    Broken(
        "literal_error",
        _header("city_level", "province"),
        "pydantic.literal_error",
        None,
        "city_level",
    ),
    Broken(
        "literal_error number",
        _set(_beds, "parameters.per_population", 100),
        "pydantic.literal_error",
        BEDS,
        "parameters.per_population",
    ),
    Broken(
        "enum",
        _set(_circle, "parameters.mode", "fly"),
        "pydantic.enum",
        CIRCLE,
        "parameters.mode",
    ),
    Broken("int_type", _set(_beds, "year", [2025]), "pydantic.int_type", BEDS, "year"),
    Broken("int_parsing", _set(_beds, "year", "twenty"), "pydantic.int_parsing", BEDS, "year"),
    Broken("int_from_float", _set(_beds, "year", 2025.5), "pydantic.int_from_float", BEDS, "year"),
    Broken(
        "int_parsing_size",
        _set(_beds, "year", "9" * 5000),
        "pydantic.int_parsing_size",
        BEDS,
        "year",
    ),
    Broken(
        "finite_number",
        _set(_beds, "year", float("inf")),
        "pydantic.finite_number",
        BEDS,
        "year",
    ),
    Broken(
        "float_type",
        _set(_beds, "target.value", [7.5]),
        "pydantic.float_type",
        BEDS,
        "target.value",
    ),
    Broken(
        "float_parsing",
        _set(_beds, "target.value", "seven"),
        "pydantic.float_parsing",
        BEDS,
        "target.value",
    ),
    Broken(
        "bool_type",
        _rule(
            "presence",
            {"facilities": HOSPITALS, "applies_at_threshold": [1]},
            {"value": 1, "unit": "facilities"},
        ),
        "pydantic.bool_type",
        OTHER,
        "parameters.applies_at_threshold",
    ),
    Broken(
        "bool_parsing",
        _rule(
            "presence",
            {"facilities": HOSPITALS, "applies_at_threshold": "maybe"},
            {"value": 1, "unit": "facilities"},
        ),
        "pydantic.bool_parsing",
        OTHER,
        "parameters.applies_at_threshold",
    ),
    Broken(
        "greater_than",
        _set(_circle, "target_share", 0),
        "pydantic.greater_than",
        CIRCLE,
        "target_share",
    ),
    Broken(
        "greater_than_equal",
        _set(_beds, "year", 2000),
        "pydantic.greater_than_equal",
        BEDS,
        "year",
    ),
    Broken(
        "less_than_equal",
        _set(_circle, "target_share", 1.5),
        "pydantic.less_than_equal",
        CIRCLE,
        "target_share",
    ),
    Broken("too_short", _set(_beds, "applies_to", []), "pydantic.too_short", BEDS, "applies_to"),
    Broken(
        "too_long",
        _set(_beds, "citation.lines", [1, 2, 3]),
        "pydantic.too_long",
        BEDS,
        "citation.lines",
    ),
    Broken(
        "missing position",
        _set(_beds, "citation.lines", []),
        "pydantic.missing",
        BEDS,
        "citation.lines[0]",
    ),
    Broken(
        "tuple_type",
        _set(_beds, "applies_to", "city"),
        "pydantic.tuple_type",
        BEDS,
        "applies_to",
    ),
    Broken("model_type", _set(_beds, "target", 7.5), "pydantic.model_type", BEDS, "target"),
    Broken(
        "model_attributes_type",
        _set(_beds, "parameters", "beds"),
        "pydantic.model_attributes_type",
        BEDS,
        "parameters",
    ),
    Broken(
        "value_error",
        _set(_beds, "citation.lines", "L" + "9" * 5000),
        "pydantic.value_error",
        BEDS,
        "citation.lines",
    ),
    # --- the file ---
    Broken(
        "not_yaml_at", lambda doc: "city: [zhuzhou\n", "catalogue.defect.not_yaml_at", None, None
    ),
    Broken(
        "not_utf8",
        lambda doc: "city: 株洲\n".encode("gbk"),
        "catalogue.defect.not_utf8",
        None,
        None,
    ),
    Broken(
        "not_a_mapping", lambda doc: "- zhuzhou\n", "catalogue.defect.not_a_mapping", None, None
    ),
    Broken("no_rules", _header("rules", []), "catalogue.defect.no_rules", None, "rules"),
    Broken(
        "rule_not_a_mapping",
        lambda doc: doc["rules"].append("beds"),
        "catalogue.defect.rule_not_a_mapping",
        "rules[2]",
        None,
    ),
    Broken(
        "unknown_kind",
        _set(_beds, "kind", "beds_ratio"),
        "catalogue.defect.unknown_kind",
        BEDS,
        "kind",
    ),
    Broken("missing kind", _set(_beds, "kind", ...), "pydantic.missing", BEDS, "kind"),
    Broken("duplicate_id", _set(_circle, "id", BEDS), "catalogue.defect.duplicate_id", BEDS, "id"),
    Broken(
        "id_prefix",
        _set(_beds, "id", "changsha.beds"),
        "catalogue.defect.id_prefix",
        "changsha.beds",
        "id",
    ),
    # --- the target and the parameters ---
    Broken(
        "target_both",
        _set(_beds, "target", {"value": 7.5, "min": 7, "unit": "per_1000_residents"}),
        "catalogue.defect.target_both",
        BEDS,
        "target.value",
    ),
    Broken(
        "target_none",
        _set(_beds, "target", {"unit": "per_1000_residents"}),
        "catalogue.defect.target_none",
        BEDS,
        "target.value",
    ),
    Broken(
        "min_above_max",
        _set(_beds, "target", {"min": 9, "max": 7, "unit": "per_1000_residents"}),
        "catalogue.defect.min_above_max",
        BEDS,
        "target.min",
    ),
    Broken(
        "target_unit",
        _set(_beds, "target.unit", "km"),
        "catalogue.defect.target_unit",
        BEDS,
        "target.unit",
    ),
    Broken(
        "outside_target",
        _set(_circle, "parameters.minutes_rural", 20),
        "catalogue.defect.outside_target",
        CIRCLE,
        "parameters.minutes_rural",
    ),
    Broken(
        "one_of",
        lambda doc: [_circle(doc)["parameters"].pop(k) for k in ("minutes_urban", "minutes_rural")],
        "catalogue.defect.one_of",
        CIRCLE,
        "parameters.minutes_urban",
    ),
    Broken(
        "network_needs_mode",
        _rule(
            "radius_coverage",
            {"facilities": HOSPITALS, "distance": "network", "radius_km_urban": 5},
            {"value": 5, "unit": "km"},
            applies_to=["city", "urban"],
        ),
        "catalogue.defect.network_needs_mode",
        OTHER,
        "parameters.mode",
    ),
    Broken(
        "straight_takes_no_mode",
        _rule(
            "radius_coverage",
            {
                "facilities": HOSPITALS,
                "distance": "straight",
                "mode": "drive",
                "radius_km_urban": 5,
            },
            {"value": 5, "unit": "km"},
            applies_to=["city", "urban"],
        ),
        "catalogue.defect.straight_takes_no_mode",
        OTHER,
        "parameters.mode",
    ),
    Broken(
        "ems one_of",
        _rule("ems_response", {"facilities": STATIONS}, {"value": 15, "unit": "minutes"}),
        "catalogue.defect.one_of",
        OTHER,
        "parameters.radius_km",
    ),
    Broken(
        "measure_needs",
        _rule(
            "fleet_ratio",
            _fleet(measure="fleet_size", base_multiplier_county=3),
            {"value": 30000, "unit": "residents_per_ambulance"},
        ),
        "catalogue.defect.measure_needs",
        OTHER,
        "parameters.per_population",
    ),
    Broken(
        "fleet_size_no_share",
        _rule(
            "fleet_ratio",
            _fleet(
                measure="fleet_size", per_population=30000, base_multiplier_county=3, min_share=0.4
            ),
            {"value": 30000, "unit": "residents_per_ambulance"},
        ),
        "catalogue.defect.fleet_size_no_share",
        OTHER,
        "parameters.min_share",
    ),
    Broken(
        "not_a_ratio_resource",
        _set(_beds, "parameters.resource", "icu_beds"),
        "catalogue.defect.not_a_ratio_resource",
        BEDS,
        "parameters.resource",
    ),
    Broken(
        "ratio_single_value",
        _set(_beds, "target", {"min": 7, "max": 8, "unit": "per_1000_residents"}),
        "catalogue.defect.ratio_single_value",
        BEDS,
        "target.value",
    ),
    Broken(
        "only_for_method",
        _rule(
            "facility_per_population",
            _count(residents_per_facility_max=30000, required_grade="secondary"),
            {"value": 30000, "unit": "residents_per_facility"},
        ),
        "catalogue.defect.only_for_method",
        OTHER,
        "parameters.required_grade",
    ),
    Broken(
        "catchment_needs",
        _rule(
            "facility_per_population",
            _count(method="catchment", required_grade="secondary"),
            {"value": 100000, "unit": "residents"},
        ),
        "catalogue.defect.catchment_needs",
        OTHER,
        "parameters.catchment_min_residents",
    ),
    Broken(
        "one_per_unit",
        _rule(
            "facility_per_population",
            _count(per_admin_unit="township"),
            {"value": 2, "unit": "facilities_per_township"},
            applies_to=["city", "county", "township"],
        ),
        "catalogue.defect.one_per_unit",
        OTHER,
        "target",
    ),
    Broken(
        "per_unit_in_applies_to",
        _rule(
            "facility_per_population",
            _count(per_admin_unit="township"),
            {"value": 1, "unit": "facilities_per_township"},
        ),
        "catalogue.defect.per_unit_in_applies_to",
        OTHER,
        "applies_to",
    ),
    Broken(
        "min_count_with_subject",
        _rule(
            "presence",
            {"facilities": HOSPITALS, "subject": HOSPITALS, "min_count": 2},
            {"value": 1, "unit": "share_of_facilities"},
        ),
        "catalogue.defect.min_count_with_subject",
        OTHER,
        "parameters.min_count",
    ),
    Broken(
        "share_needs_subject",
        _rule(
            "presence",
            {"facilities": HOSPITALS, "share_of_subjects": 0.5},
            {"value": 1, "unit": "facilities"},
        ),
        "catalogue.defect.share_needs_subject",
        OTHER,
        "parameters.share_of_subjects",
    ),
    Broken(
        "either_or",
        _rule("staffing", _staffing(attribute="physicians"), {"value": 4, "unit": "per_facility"}),
        "catalogue.defect.either_or",
        OTHER,
        "parameters.min_per_facility",
    ),
    Broken(
        "share_of_beds_needs_min",
        _rule(
            "staffing",
            _staffing(attribute="icu_beds", max_share_of_beds=0.05),
            {"max": 0.05, "unit": "share_of_beds"},
        ),
        "catalogue.defect.share_of_beds_needs_min",
        OTHER,
        "parameters.min_share_of_beds",
    ),
    Broken(
        "share_of_beds_attribute",
        _rule(
            "staffing",
            _staffing(attribute="beds", min_share_of_beds=0.02),
            {"min": 0.02, "unit": "share_of_beds"},
        ),
        "catalogue.defect.share_of_beds_attribute",
        OTHER,
        "parameters.attribute",
    ),
    # --- the rule as a whole ---
    Broken(
        "kind_in_parameters",
        _set(_beds, "parameters.kind", "resource_ratio"),
        "catalogue.defect.kind_in_parameters",
        BEDS,
        "parameters.kind",
    ),
    Broken(
        "binding_and_expected",
        lambda doc: _beds(doc).update(binding=True, expected=True),
        "catalogue.defect.binding_and_expected",
        BEDS,
        "expected",
    ),
    Broken(
        "expected_label",
        lambda doc: _beds(doc).update(binding=None, expected="expected"),
        "catalogue.defect.expected_label",
        BEDS,
        "expected",
    ),
    Broken(
        "parameters_or_gap",
        _set(_beds, "parameters", ...),
        "catalogue.defect.parameters_or_gap",
        BEDS,
        "parameters",
    ),
    Broken(
        "gap_needs",
        _set(_beds, "data_gap", {"zh": "登记中没有床位数", "en": "the register has no beds"}),
        "catalogue.defect.gap_needs",
        BEDS,
        "needs",
    ),
    Broken(
        "needs_without_gap",
        _set(_beds, "needs", ["beds"]),
        "catalogue.defect.needs_without_gap",
        BEDS,
        "needs",
    ),
    Broken(
        "share_not_spatial",
        _set(_beds, "target_share", 0.9),
        "catalogue.defect.share_not_spatial",
        BEDS,
        "target_share",
    ),
    Broken(
        "no_region_level",
        _set(_circle, "applies_to", ["urban", "rural"]),
        "catalogue.defect.no_region_level",
        CIRCLE,
        "applies_to",
    ),
    Broken(
        "settlements_match",
        _set(_circle, "applies_to", ["city", "urban"]),
        "catalogue.defect.settlements_match",
        CIRCLE,
        "applies_to",
    ),
    Broken(
        "settlements_not_spatial",
        _set(_beds, "applies_to", ["city", "urban"]),
        "catalogue.defect.settlements_not_spatial",
        BEDS,
        "applies_to",
    ),
    Broken(
        "share_twice",
        _set(_circle, "parameters.min_share", 0.9),
        "catalogue.defect.share_twice",
        CIRCLE,
        "parameters.min_share",
    ),
    # --- the citations, against the plan text ---
    Broken(
        "other_plan",
        _set(_beds, "citation.document", "another_plan.txt"),
        "catalogue.defect.other_plan",
        BEDS,
        "citation.document",
    ),
    Broken(
        "lines_form",
        _set(_beds, "citation.lines", "line two"),
        "catalogue.defect.lines_form",
        BEDS,
        "citation.lines",
    ),
    Broken(
        "lines_order",
        _set(_beds, "citation.lines", "L3-2"),
        "catalogue.defect.lines_order",
        BEDS,
        "citation.lines",
    ),
    Broken(
        "lines_beyond",
        _set(_beds, "citation.lines", "L9"),
        "catalogue.defect.lines_beyond",
        BEDS,
        "citation.lines",
    ),
    Broken(
        "quote_not_found",
        _set(_beds, "citation.quote", "每千人口医疗卫生机构床位数达到9张"),
        "catalogue.defect.quote_not_found",
        BEDS,
        "citation.quote",
    ),
    Broken(
        "quote_elsewhere",
        _set(_beds, "citation.lines", "L3"),
        "catalogue.defect.quote_elsewhere",
        BEDS,
        "citation.lines",
    ),
)
