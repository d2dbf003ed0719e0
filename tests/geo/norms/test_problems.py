"""A catalogue's defects in the reader's language: each names its rule, its field and the value
given, worded by the message catalogue — Chinese by default, with no English sentence, and
English on request. The broken catalogues (``tests/_catalogues.py``) cover every error type
pydantic can raise for the catalogue model (enumerated from the model's schema) and every
defect the catalogue models find; no catalogue module raises an English ``ValueError``."""

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from geo import messages
from geo.errors import CatalogueError, CatalogueProblem
from geo.messages.pydantic import pydantic_text
from geo.norms import Catalogue, load_catalogue, load_catalogues
from geo.norms._problems import problem_of_error, problems_of, yaml_problem
from geo.norms.parameters import Parameters
from tests._catalogues import BEDS, BROKEN, PLAN_TEXT, Broken, readme_catalogue
from tests._english import english_sentences

HAN = re.compile("[\u4e00-\u9fff]")
NORMS = Path(__file__).resolve().parents[3] / "geo" / "norms"

# what each kind of node of a pydantic-core schema can refuse (pydantic_core's error types);
# a constraint's error only where the node sets it
_LIMITS = {
    "gt": "greater_than",
    "ge": "greater_than_equal",
    "lt": "less_than",
    "le": "less_than_equal",
    "multiple_of": "multiple_of",
}


def _node_errors(node: dict[str, Any]) -> set[str]:
    kind = node["type"]
    limits = {error for name, error in _LIMITS.items() if name in node}
    lengths = {"too_short"} if "min_length" in node else set()
    lengths |= {"too_long"} if "max_length" in node else set()
    if kind == "str":
        pattern = {"string_pattern_mismatch"} if "pattern" in node else set()
        short = {"string_too_short"} if "min_length" in node else set()
        long = {"string_too_long"} if "max_length" in node else set()
        return {"string_type", "string_unicode"} | pattern | short | long
    if kind == "int":
        parsing = {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
        return parsing | {"finite_number"} | limits
    if kind == "float":
        finite = set() if node.get("allow_inf_nan", True) else {"finite_number"}
        return {"float_type", "float_parsing"} | finite | limits
    if kind == "tuple":
        # a tuple of fixed length misses its positions or has too many
        fixed = set() if "variadic_item_index" in node else {"missing", "too_long"}
        return {"tuple_type"} | lengths | fixed
    simple = {
        "bool": {"bool_type", "bool_parsing"},
        "literal": {"literal_error"},
        "enum": {"enum"},
        "model": {"model_type"},
        "model-fields": {"missing"},
        "list": {"list_type"} | lengths,
        "dict": {"dict_type"} | lengths,
        "tagged-union": {"union_tag_invalid", "union_tag_not_found", "model_attributes_type"},
        "function-before": {"value_error"},
        "function-after": {"value_error"},
        "function-wrap": {"value_error"},
        "function-plain": {"value_error"},
    }
    errors = simple.get(kind, set())
    if kind == "model" and node.get("config", {}).get("extra_fields_behavior") == "forbid":
        errors = errors | {"extra_forbidden"}
    return errors


def model_error_types() -> set[str]:
    """Every error type pydantic can raise validating a catalogue, from the model's schema."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("type"), str):
                found.update(_node_errors(node))
            for name, value in node.items():
                # how a model is written out is not how it is validated
                if name != "serialization":
                    walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(Catalogue.__pydantic_core_schema__)
    return found


def _error_type(key: str) -> str | None:
    # the pydantic type a walked problem stands for (a text field's form reads its own key)
    if key.startswith("catalogue.pattern."):
        return "string_pattern_mismatch"
    return key.removeprefix("pydantic.") if key.startswith("pydantic.") else None


# the parameters union is chosen by the rule's kind, which is checked (and put in) before
UNION_TAGS = {"union_tag_invalid", "union_tag_not_found"}


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "zhuzhou_plan.txt").write_text(PLAN_TEXT, encoding="utf-8")
    return folder


def _refused(path: Path, seeds: Path) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path, seeds_dir=seeds)
    return caught.value


def _assert_said(error: CatalogueError, problem: CatalogueProblem) -> None:
    """Each language names the rule, the field and the value given; Chinese has no English."""
    chinese, english = error.localized("zh"), error.localized("en")
    assert str(error) == chinese
    assert english_sentences(chinese) == [], chinese
    assert HAN.search(problem.message("zh")), problem.key
    assert not HAN.search(problem.message("en")), problem.key
    for lang, text in (("zh", chinese), ("en", english)):
        line = problem.line(lang)
        assert f"  {line}" in text.splitlines()
        for named in (problem.rule_id, problem.field, problem.given):
            if named is not None:
                assert named in line, (lang, named, line)
    assert error.path.name in chinese.splitlines()[0]


@pytest.mark.parametrize("broken", BROKEN, ids=lambda broken: broken.name)
def test_each_defect_names_its_rule_field_and_value(
    broken: Broken, tmp_path: Path, seeds: Path
) -> None:
    error = _refused(broken.write(tmp_path), seeds)

    found = [problem for problem in error.problems if problem.key == broken.key]
    assert found, [(p.rule_id, p.key, p.field) for p in error.problems]
    problem = found[0]
    assert (problem.rule_id, problem.field) == (broken.rule, broken.field)
    for each in error.problems:
        _assert_said(error, each)


def test_the_example_itself_is_valid(tmp_path: Path, seeds: Path) -> None:
    path = tmp_path / "zhuzhou.yaml"
    path.write_text(readme_catalogue(), encoding="utf-8")

    assert [rule.id for rule in load_catalogue(path, seeds_dir=seeds).rules] == [
        BEDS,
        "zhuzhou.care_circle_15min",
    ]


def test_the_walk_covers_every_error_type_the_model_can_raise() -> None:
    raised = model_error_types()
    walked = {_error_type(broken.key) for broken in BROKEN} - {None}

    # the schema holds the constraints the catalogue uses, and nothing is missed by the walk
    assert {"string_pattern_mismatch", "greater_than_equal", "too_short", "extra_forbidden"} <= (
        raised
    )
    assert raised - UNION_TAGS <= walked, sorted(raised - UNION_TAGS - walked)
    for kind in raised:
        assert messages.has(f"pydantic.{kind}", "zh"), kind
        assert messages.has(f"pydantic.{kind}", "en"), kind


FOLDER_DEFECTS = {
    "catalogue.defect.no_files",
    "catalogue.defect.duplicate_across",
    "catalogue.defect.no_plan_text",
    "catalogue.defect.not_yaml",
}


def test_the_walk_covers_every_defect_of_the_catalogue_models() -> None:
    defects = {key for key in messages.catalogue("zh") if key.startswith("catalogue.defect.")}
    walked = {broken.key for broken in BROKEN if broken.key.startswith("catalogue.defect.")}

    assert walked | FOLDER_DEFECTS == defects
    assert not walked & FOLDER_DEFECTS


def test_defects_of_a_folder_or_without_the_plan_text(tmp_path: Path, seeds: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CatalogueError) as none:
        load_catalogues(empty, seeds_dir=None)
    (own := tmp_path / "own").mkdir()
    for name in ("a.yaml", "b.yaml"):
        (own / name).write_text(readme_catalogue(), encoding="utf-8")
    with pytest.raises(CatalogueError) as twice:
        load_catalogues(own, seeds_dir=seeds)
    text = own / "a.yaml"
    missing = _refused(text, empty)
    damaged = CatalogueError(text, [yaml_problem(yaml.YAMLError("no mark"))])

    said = {
        "catalogue.defect.no_files": (none.value, None, None),
        "catalogue.defect.duplicate_across": (twice.value, BEDS, "id"),
        "catalogue.defect.no_plan_text": (missing, BEDS, "citation.document"),
        "catalogue.defect.not_yaml": (damaged, None, None),
    }
    assert set(said) == FOLDER_DEFECTS
    for key, (error, rule, field) in said.items():
        (problem, *_) = [p for p in error.problems if p.key == key]
        assert (problem.rule_id, problem.field) == (rule, field)
        _assert_said(error, problem)
    assert "a.yaml" in twice.value.problems[0].message("zh")
    assert "b.yaml" in twice.value.problems[0].message("en")


@pytest.mark.parametrize(
    ("given", "kind"),
    [({"kind": "beds_ratio"}, "union_tag_invalid"), ({}, "union_tag_not_found")],
)
def test_a_parameters_mapping_without_its_kind(given: dict[str, Any], kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Parameters).validate_python(given)

    (problem,) = problems_of(caught.value, "zhuzhou.x")
    assert problem.key == f"pydantic.{kind}"
    line = problem.line("zh")
    assert "zhuzhou.x" in line
    assert "kind" in line
    assert english_sentences(line) == []
    assert "kind" in problem.line("en")


def test_an_error_type_not_worded_still_names_field_and_value() -> None:
    future: ErrorDetails = {
        "type": "some_future_type",
        "loc": ("parameters", "travel_time_coverage", "minutes_rural"),
        "msg": "Some future check failed",
        "input": "fifteen",
    }
    pattern: ErrorDetails = {
        "type": "string_pattern_mismatch",
        "loc": ("note",),
        "msg": "String should match pattern '^[a-z]+$'",
        "input": "Note",
        "ctx": {"pattern": "^[a-z]+$"},
    }

    generic = problem_of_error(future, "zhuzhou.x")
    shaped = problem_of_error(pattern, None)

    assert (generic.key, generic.field, generic.given) == (
        "pydantic.other",
        "parameters.minutes_rural",
        "fifteen",
    )
    assert generic.line("zh") == (
        "规则 zhuzhou.x 的 parameters.minutes_rural：取值不符合要求（给出的是 fifteen）"
    )
    assert generic.line("en") == (
        "rule zhuzhou.x, field parameters.minutes_rural: "
        "has a value that is not accepted (given: fifteen)"
    )
    assert shaped.key == "pydantic.string_pattern_mismatch"
    assert shaped.line("zh") == "目录的 note：应符合格式 ^[a-z]+$（给出的是 Note）"


def test_lists_read_as_each_language_lists() -> None:
    problem = CatalogueProblem(
        "zhuzhou.x",
        "pydantic.enum",
        field="parameters.mode",
        fields={"expected": ("walk", "drive")},
        given="fly",
    )

    assert (
        problem.line("zh")
        == "规则 zhuzhou.x 的 parameters.mode：应为以下之一：walk、drive（给出的是 fly）"
    )
    assert problem.line("en") == (
        "rule zhuzhou.x, field parameters.mode: must be one of: walk, drive (given: fly)"
    )
    assert problem.as_dict("en") == {
        "rule": "zhuzhou.x",
        "field": "parameters.mode",
        "value": "fly",
        "code": "pydantic.enum",
        "msg": "must be one of: walk, drive",
    }


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ({"kind": "beds_ratio"}, "union_tag_invalid"),
        ({"kind": "travel_time_coverage", "mode": "fly"}, "enum"),
        ({"kind": "travel_time_coverage", "mode": "fly"}, "missing"),
    ],
)
def test_a_catalogue_and_a_request_word_a_type_alike(given: dict[str, Any], kind: str) -> None:
    """One wording per pydantic type: the catalogue's defect says what the request's says."""
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Parameters).validate_python(given)
    error = next(error for error in caught.value.errors() if error["type"] == kind)

    problem = problem_of_error(error, "zhuzhou.x")

    assert problem.key == f"pydantic.{kind}"
    for lang in ("zh", "en"):
        assert problem.message(lang) in pydantic_text(error, lang)
    for lang in ("zh", "en"):
        assert not [key for key in messages.catalogue(lang) if key.startswith("catalogue.type.")]


# --- no English sentence raised from the catalogue's modules ---

CATALOGUE_MODULES = sorted(
    NORMS / name
    for name in ("catalogue.py", "parameters.py", "citations.py", "_problems.py", "terms.py")
)
# three words in a row (an identifier such as min_share_of_beds is one word: a field name)
LATIN_WORDS = re.compile(r"\b[A-Za-z]{2,}(?:[\s,;:'/()-]+[A-Za-z]{2,}\b){2,}")


def _english_refusals(path: Path) -> list[str]:
    """The English sentences a module raises or returns as a catalogue defect's text."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        said: ast.expr | None = None
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            func = node.exc.func
            if isinstance(func, ast.Name) and func.id in {"ValueError", "TypeError"}:
                found.append(f"{path.name}:{node.lineno}: raise {func.id}(…)")
            said = node.exc
        elif isinstance(node, ast.Return) or (
            isinstance(node, ast.Assign)
            and any(isinstance(target, ast.Name) and target.id == "msg" for target in node.targets)
        ):
            said = node.value
        for sub in ast.walk(said) if said is not None else ():
            if (
                isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and LATIN_WORDS.search(sub.value)
                and not messages.has(sub.value)
            ):
                found.append(f"{path.name}:{sub.lineno}: {sub.value!r}")
    return sorted(found, key=lambda said: int(said.split(":")[1]))


def _keys_raised(path: Path) -> set[str]:
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "worded"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            keys.add(str(node.args[0].value))
    return keys


@pytest.mark.parametrize("path", CATALOGUE_MODULES, ids=lambda path: path.name)
def test_no_english_refusal_in_the_catalogue_modules(path: Path) -> None:
    assert _english_refusals(path) == []


def test_the_check_finds_an_english_refusal(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def check(x):\n"
        "    if x:\n"
        '        msg = "give minutes_urban and/or minutes"\n'
        "        raise ValueError(msg)\n"
        '    if not x:\n        return "a count rule needs a maximum"\n'
        '    raise CatalogueDefectError.worded("catalogue.defect.one_of", field="x")\n',
        encoding="utf-8",
    )

    assert _english_refusals(probe) == [
        "probe.py:3: 'give minutes_urban and/or minutes'",
        "probe.py:4: raise ValueError(…)",
        "probe.py:6: 'a count rule needs a maximum'",
    ]


def test_every_key_the_catalogue_modules_raise_is_worded_in_both_languages() -> None:
    keys = set().union(*(_keys_raised(path) for path in CATALOGUE_MODULES))

    assert len(keys) >= 30
    for key in keys:
        assert messages.has(key, "zh"), key
        assert messages.has(key, "en"), key
