"""The map's declared API shapes (``app/static/js/types.d.ts``) agree with the app's OpenAPI.

``tsc --checkJs`` checks the map's JS against ``types.d.ts``; this test checks ``types.d.ts``
against the schemas the service really answers with, so a field renamed, dropped, made nullable
or given other values in ``app/schemas`` fails here instead of silently in the browser. Every
field the map declares must exist in its schema, be nullable exactly when the schema says so,
and have a primitive type (or set of literals) the schema allows.
"""

import re
from typing import Any

import pytest

from app.main import create_app
from app.settings import PROJECT_ROOT, Settings

TYPES_FILE = PROJECT_ROOT / "app" / "static" / "js" / "types.d.ts"

# each interface of types.d.ts → the OpenAPI schema it mirrors
SCHEMA_OF = {
    "Citation": "CitationPublic",
    "Baseline": "BaselinePublic",
    "Target": "TargetPublic",
    "Rule": "RulePublic",
    "Catalogue": "CataloguePublic",
    "NormCatalogueList": "NormCatalogueList",
    "RegionProperties": "RegionPublic",
    "ComplianceResult": "ComplianceResult",
    "ComplianceReport": "ComplianceReport",
    "GapProperties": "GapProperties",
    "CoverageAreaProperties": "CoverageAreaProperties",
    "ScenarioSummary": "ScenarioSummary",
    "ScenarioList": "ScenarioList",
    "ChangePublic": "ChangePublic",
    "RegionQuickDiff": "RegionQuickDiff",
    "RuleQuickDiff": "RuleQuickDiff",
    "QuickDiff": "QuickDiff",
    "ChangeResult": "ChangeResult",
    "ChosenSite": "ChosenSite",
    "EmsCounty": "EmsCounty",
    "EmsSummary": "EmsSummary",
    "OptimizeResult": "OptimizeResult",
    "ErrorResponse": "ErrorResponse",
    "FacilityTally": "FacilityTally",
    "RuleFacilities": "RuleFacilities",
    "PrepareJob": "PrepareJobPublic",
    "CityStatus": "CityPublic",
    "CityList": "CityList",
}
# interfaces with no schema of their own: a rule's free-form parameters, vector tile properties,
# the page's path → answer table and the browser's window
NOT_SCHEMAS = {"FacilitySelector", "SiteProperties", "GetAnswers", "Window"}

PRIMITIVES = {"string": {"string"}, "number": {"number", "integer"}, "boolean": {"boolean"}}
INTERFACE = re.compile(r"^\s*(?:export )?interface (\w+) \{\n(.*?)^\s*\}", re.DOTALL | re.MULTILINE)
FIELD = re.compile(r"^\s*'?([\w/]+)'?(\??): (.+);$")
LITERAL = re.compile(r"^'([^']*)'$")


def declared() -> dict[str, dict[str, str]]:
    """Each interface of types.d.ts: field name → its TypeScript type."""
    text = TYPES_FILE.read_text(encoding="utf-8")
    interfaces: dict[str, dict[str, str]] = {}
    for name, body in INTERFACE.findall(text):
        fields = [FIELD.match(line) for line in body.splitlines()]
        interfaces[name] = {m.group(1): m.group(3) for m in fields if m}
    return interfaces


def alternatives(ts_type: str) -> list[str]:
    """The members of a TypeScript union at its top level (no nested union is split)."""
    parts, depth, current = [], 0, ""
    for char in ts_type:
        depth += char in "{[(<"
        depth -= char in "}])>"
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def schema_members(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return list(prop["anyOf"]) if "anyOf" in prop else [prop]


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    components: dict[str, Any] = create_app(Settings()).openapi()["components"]["schemas"]
    return components


def test_every_interface_is_mapped_to_a_schema() -> None:
    names = set(declared())
    assert names == set(SCHEMA_OF) | NOT_SCHEMAS, names ^ (set(SCHEMA_OF) | NOT_SCHEMAS)


@pytest.mark.parametrize("interface", sorted(SCHEMA_OF))
def test_declared_fields_match_the_schema(interface: str, schemas: dict[str, Any]) -> None:
    fields = declared()[interface]
    schema = schemas[SCHEMA_OF[interface]]
    assert fields, f"{interface}: no field parsed from types.d.ts"
    for field, ts_type in fields.items():
        where = f"{interface}.{field} ({SCHEMA_OF[interface]})"
        assert field in schema["properties"], f"{where}: no such field in the API"
        members = schema_members(schema["properties"][field])
        ts_parts = alternatives(ts_type)
        # nullable in the map exactly when the API may send null
        api_null = any(m.get("type") == "null" for m in members)
        assert ("null" in ts_parts) == api_null, f"{where}: nullability differs"
        api_types = {m["type"] for m in members if "type" in m and m["type"] != "null"}
        ts_parts = [p for p in ts_parts if p != "null"]
        literals = [LITERAL.match(p) for p in ts_parts]
        if all(literals):
            # a set of literals: exactly the values the API may send
            values = {m.group(1) for m in literals if m}
            api_values = {v for m in members for v in m.get("enum", [m.get("const")]) if v}
            assert values == api_values, f"{where}: {values} != {api_values}"
        elif all(p in PRIMITIVES for p in ts_parts):
            # primitives: the map accepts every type the API may send
            accepted = set().union(*(PRIMITIVES[p] for p in ts_parts))
            assert api_types <= accepted, f"{where}: API sends {api_types}, map takes {ts_type}"
        elif len(ts_parts) == 1 and ts_parts[0].endswith("[]"):
            assert api_types == {"array"}, f"{where}: the API does not send a list"
