"""Every service error a person reads is worded from the catalogue: an ast walk over ``app/``
finds each construction of :class:`app.errors.AppError` (or a subclass) and requires its key;
the catalogue words every key it names in both languages."""

import ast
import pickle
from pathlib import Path

import pytest

from app.errors import AppError, Choices, InvalidInputError, Listed, NotFoundError, Worded
from geo import messages
from tests._english import english_sentences

APP = Path(__file__).resolve().parents[2] / "app"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in APP.rglob("*.py")]


def _error_classes(modules: list[tuple[Path, ast.Module]]) -> set[str]:
    """AppError and every class of app/ that derives from it, by name (to a fixed point)."""
    names = {"AppError"}
    classes = [n for _, tree in modules for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    while True:
        more = {
            c.name
            for c in classes
            if any(isinstance(b, ast.Name) and b.id in names for b in c.bases)
        }
        if more <= names:
            return names
        names |= more


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _worded_by(node: ast.Call) -> str | None:
    """``X`` of a call ``X.worded(…)``, else None."""
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "worded"
        and isinstance(func.value, ast.Name)
    ):
        return func.value.id
    return None


def _literal_keys(node: ast.Call) -> list[str]:
    """The catalogue key a call names: its first argument when a string (the constant part of
    an f-string, ending in ``.``, as a prefix)."""
    if not node.args:
        return []
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return [first.value]
    if isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
        return [str(first.values[0].value)]
    return []


def test_every_app_error_is_built_from_a_catalogue_key() -> None:
    modules = _modules()
    errors = _error_classes(modules)
    assert {"NotFoundError", "InvalidInputError", "ComputationBusyError"} <= errors
    unworded = []
    worded = 0
    for path, tree in modules:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _worded_by(node) in errors:
                worded += 1
            elif _called(node) in errors and not any(k.arg == "key" for k in node.keywords):
                unworded.append(f"{path.relative_to(APP.parent)}:{node.lineno}")
    assert worded > 90
    assert unworded == []


def test_every_key_the_app_names_is_in_both_catalogues() -> None:
    named = []
    for _, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in ("worded", "Worded"):
                named += _literal_keys(node)
    assert len(named) > 100
    for lang in messages.LANGS:
        words = messages.catalogue(lang)
        missing = [k for k in named if not any(w == k or w.startswith(k) for w in words)]
        assert missing == [], lang


def test_worded_errors_say_the_message_and_details_in_each_language() -> None:
    error = NotFoundError.worded("error.scenario.not_found", field="scenario_id", id=7)

    assert error.message == str(error) == "scenario 7 not found"
    assert error.localized("en") == "scenario 7 not found"
    assert error.localized("zh") == "没有编号为 7 的方案"
    assert error.localized_details("zh") == [{"field": "scenario_id", "msg": "没有编号为 7 的方案"}]
    assert error.localized_details("en") == [
        {"field": "scenario_id", "msg": "scenario 7 not found"}
    ]
    # the English detail is the message itself, as a plain string to every reader of details
    assert error.details[0]["msg"] == error.message


def test_a_worded_value_is_said_in_the_readers_language() -> None:
    error = InvalidInputError.worded(
        "error.not_prepared.part",
        field="city",
        city="431100",
        what=Worded("error.part.road_network"),
    )

    assert error.localized("en") == (
        "city 431100 has no road network; run `fplan demo --city 431100` to prepare it"
    )
    assert "路网" in error.localized("zh")
    assert english_sentences(error.localized("zh")) == []


def test_listed_sentences_are_each_said_and_joined_per_language() -> None:
    listed = Listed([Worded("error.part.facilities"), Worded("error.part.road_network")])

    assert listed == "facilities; road network"
    assert listed.localized("zh") == "机构；路网"


def test_choices_list_codes_and_in_chinese_their_labels() -> None:
    grades = Choices(["tertiary", "none"], vocabulary="grade")

    assert grades == grades.localized("en") == "tertiary, none"
    assert grades.localized("zh") == "tertiary（三级）、none（未定级）"
    assert pickle.loads(pickle.dumps(grades)).localized("zh") == grades.localized("zh")


@pytest.mark.parametrize("lang", messages.LANGS)
def test_a_worded_error_survives_pickling(lang: messages.Lang) -> None:
    error = AppError.worded("error.compute.busy", what=Worded("error.compute.what"), slots=4)

    again = pickle.loads(pickle.dumps(error))

    assert again.localized(lang) == error.localized(lang)
    assert pickle.loads(pickle.dumps(Worded("error.part.facilities"))).localized(lang) == (
        messages.text("error.part.facilities", lang)
    )
