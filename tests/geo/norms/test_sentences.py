"""The norms' sentences come from the message catalogue: no Chinese string literal in the
evaluators' code, no English sentence literal in the modules that word verdicts, and every key
they use is worded in both catalogues with the same fields."""

import ast
import re
import string
from pathlib import Path

import pytest

from geo import messages
from geo.norms import _text
from geo.norms.parameters import FacilitySelector
from geo.norms.terms import FacilityType, Grade, Ownership, ServiceFlag

NORMS = Path(_text.__file__).parent
MODULES = sorted(NORMS.glob("*.py"))
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")

# data tables whose English vocabulary quotes the plans' own Chinese terms (中医馆, 治未病 …)
DATA_TABLES = {("_text.py", "FLAG_PHRASES")}

# the modules that word verdicts; catalogue, parameters and citations validate the norm
# catalogue, and their words are errors and schema notes for the rule's author
SENTENCE_MODULES = [
    path
    for path in MODULES
    if path.name not in {"catalogue.py", "parameters.py", "citations.py", "__init__.py"}
]
# three or more Latin words in a row (fields like ``{count}`` left out) make an English sentence
LATIN_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]*(?:[\s,;:()/]+[A-Za-z][A-Za-z'-]*){2,}")
LOG_CALLS = {"debug", "info", "warning", "error", "exception", "critical"}

# the calls whose first argument is a catalogue key
KEY_CALLS = {"worded", "text", "has"}


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string constants that are docstrings (module, class, function)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _table_strings(tree: ast.Module, module: str) -> set[int]:
    """The ids of the string constants inside the known data tables of ``module``."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if any((module, name) in DATA_TABLES for name in names) and node.value is not None:
                found |= {id(sub) for sub in ast.walk(node.value) if isinstance(sub, ast.Constant)}
    return found


def _cjk_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = _docstrings(tree) | _table_strings(tree, path.name)
    return [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in allowed
        and CJK.search(node.value)
    ]


def _developer_strings(tree: ast.Module) -> set[int]:
    """The ids of the strings developers read: ``msg = …`` errors, raised errors, log lines."""
    found: set[int] = set()
    for node in ast.walk(tree):
        said: ast.AST | None = None
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "msg" for target in node.targets
        ):
            said = node.value
        elif isinstance(node, ast.Raise):
            said = node.exc
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_CALLS
        ):
            said = node
        if said is not None:
            found |= {id(sub) for sub in ast.walk(said)}
    return found


def _english_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = _docstrings(tree) | _developer_strings(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in allowed:
            continue
        # an f-string is read whole, its fields standing as gaps between words
        if isinstance(node, ast.JoinedStr):
            allowed |= {id(part) for part in node.values}
            said = "".join(
                part.value if isinstance(part, ast.Constant) else " " for part in node.values
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            said = node.value
        else:
            continue
        # an evaluator's unit ("share of residents") is an id the catalogue words (unit.*)
        if messages.has(f"unit.{said}", "en"):
            continue
        if LATIN_WORDS.search(re.sub(r"\{[^}]*\}", " ", str(said))):
            found.append(f"{path.name}:{node.lineno}: {said!r}")
    return found


def _keys_used(path: Path) -> set[str]:
    """The catalogue keys a module passes to ``worded`` / ``messages.text`` as literals."""
    keys: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in KEY_CALLS:
            continue
        # a key chosen by a condition (``"a" if n == 1 else "b"``) names both; a key built
        # from parts (``f"{key}.many"``) is checked where its parts are listed
        first = node.args[0]
        choices = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
        keys |= {
            sub.value
            for sub in choices
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
        }
    return keys


def _fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_chinese_string_literal_in_the_norms_code(path: Path) -> None:
    assert _cjk_literals(path) == []


def test_the_check_finds_a_chinese_literal(tmp_path: Path) -> None:
    # the walk sees f-string parts and skips docstrings and comments
    module = tmp_path / "probe.py"
    module.write_text(
        '"""规划的句子。"""\n# 注释\nx = 3\ntext_zh = f"尚缺{x}辆救护车"\n', encoding="utf-8"
    )

    assert _cjk_literals(module) == ["probe.py:4: '尚缺'", "probe.py:4: '辆救护车'"]


@pytest.mark.parametrize("path", SENTENCE_MODULES, ids=lambda path: path.name)
def test_no_english_sentence_literal_in_the_verdict_modules(path: Path) -> None:
    assert _english_literals(path) == []


def test_the_check_finds_an_english_sentence(tmp_path: Path) -> None:
    # f-string parts and constants are found; docstrings, errors, log lines and units are not
    module = tmp_path / "probe.py"
    module.write_text(
        '"""Word the verdicts of a rule."""\n'
        "import logging\n"
        "n = 3\n"
        'text = f"needs {n} more beds"\n'
        'NOTE = "catchment populations not given"\n'
        'key = "verdict.count.short"\n'
        'unit = "share of residents"\n'
        'logging.getLogger(__name__).info("checked the rule %s here", n)\n'
        'msg = f"rule {n} is not a spatial rule"\n'
        'raise ValueError("a rule must be a mapping")\n',
        encoding="utf-8",
    )

    assert _english_literals(module) == [
        "probe.py:4: 'needs   more beds'",
        "probe.py:5: 'catchment populations not given'",
    ]


def test_every_key_the_norms_use_is_in_both_catalogues() -> None:
    keys = set().union(*(_keys_used(path) for path in MODULES))
    zh, en = messages.catalogue("zh"), messages.catalogue("en")

    assert {key for key in keys if key.startswith("verdict.")} >= {
        "verdict.fleet.short",
        "verdict.ratio.short",
        "verdict.zone.hosted",
        "verdict.not_evaluable",
    }
    for key in sorted(keys):
        assert key in zh, key
        assert key in en, key
        assert _fields(zh[key]) == _fields(en[key]), key


def test_a_verdict_sentence_is_filled_in_each_language() -> None:
    said = _text.worded(
        "verdict.ratio.short",
        count=_text.Words("3 more beds", "3张床位"),
        measured=_text.worded(
            "verdict.ratio.measured", ratio="7.9", per=1000, target=_text.number(8)
        ),
    )

    assert said == _text.Words(
        "needs 3 more beds: 7.9 per 1,000 residents against 8",
        "尚缺3张床位（每1,000人7.9，目标8）",
    )


def test_a_selector_is_described_from_the_catalogue() -> None:
    selector = FacilitySelector(
        facility_types=[FacilityType.GENERAL_HOSPITAL, FacilityType.TCM_HOSPITAL],
        ownership=Ownership.PUBLIC,
        min_grade=Grade.SECONDARY,
        flags=[ServiceFlag.PSYCHIATRIC_WARD],
    )

    said = _text.describe_selector(selector)

    assert said == _text.Nouns(
        "public hospital of grade II or above with a psychiatric ward",
        "public hospitals of grade II or above with a psychiatric ward",
        "设精神科的二级及以上公立医院",
    )
    assert _text.tally(2, said, more=True) == _text.Words(
        "2 more public hospitals of grade II or above with a psychiatric ward",
        "2个设精神科的二级及以上公立医院",
    )


def test_a_list_of_names_says_how_many_more() -> None:
    assert _text.names(["甲", "乙", "丙", "丁", "戊"]) == _text.Words(
        "甲, 乙, 丙 and 2 more", "甲、乙、丙等（另有2个）"
    )


def test_every_facility_type_grade_and_flag_is_worded() -> None:
    # a missing word would show a Chinese reader the vocabulary's id
    keys = [f"noun.facility.{kind.value}" for kind in FacilityType]
    keys += [f"noun.facility.{kind.value}.many" for kind in FacilityType]
    keys += [f"grade.{grade.value}" for grade in Grade]
    keys += [f"flag.{flag.value}" for flag in ServiceFlag]
    keys += [f"selector.ownership.{owner.value}" for owner in Ownership]
    for key in keys:
        assert messages.has(key, "zh"), key
        assert messages.has(key, "en"), key
