"""Pydantic's problems worded from the catalogue: the field, the numbers, never its English."""

from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geo.messages.pydantic import WordedValueError, pydantic_field, pydantic_text
from tests._english import english_sentences


class _Site(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(max_length=4)]
    beds: Annotated[int, Field(gt=0, le=500)]
    lang: Literal["zh", "en"] = "zh"
    tags: list[str] = []

    @field_validator("tags")
    @classmethod
    def _no_empty(cls, value: list[str]) -> list[str]:
        if "" in value:
            raise WordedValueError("pydantic.string_too_short", min_length=1)
        return value


def _problems(data: dict[str, Any]) -> list[Any]:
    with pytest.raises(ValidationError) as caught:
        _Site.model_validate(data)
    return list(caught.value.errors())


@pytest.mark.parametrize(
    ("data", "zh", "en"),
    [
        ({"beds": 1}, "name 为必填项，但未填写", "name is required but not given"),
        (
            {"name": "a", "beds": "many"},
            "beds 应为整数，收到的是 'many'",
            "beds must be a whole number, got 'many'",
        ),
        (
            {"name": "a", "beds": 0},
            "beds 应大于 0，收到的是 0",
            "beds must be greater than 0, got 0",
        ),
        (
            {"name": "a", "beds": 501},
            "beds 应不大于 500，收到的是 501",
            "beds must be at most 500, got 501",
        ),
        (
            {"name": "abcdef", "beds": 1},
            "name 至多 4 个字符",
            "name must have at most 4 characters",
        ),
        (
            {"name": "a", "beds": 1, "lang": "fr"},
            "lang 应为以下之一：zh、en，收到的是 'fr'",
            "lang must be one of: zh, en, got 'fr'",
        ),
        (
            {"name": "a", "beds": 1, "colour": "red"},
            "colour 不是可用的字段（拼写有误，或不该写在这里）",
            "colour is not a field taken here (misspelt, or misplaced)",
        ),
        (
            {"name": "a", "beds": 1, "tags": [""]},
            "tags：至少要 1 个字符",
            "tags: must have at least 1 characters",
        ),
    ],
)
def test_each_type_is_worded_with_its_field_and_numbers(
    data: dict[str, Any], zh: str, en: str
) -> None:
    (problem,) = _problems(data)

    assert pydantic_text(problem, "zh") == zh
    assert pydantic_text(problem, "en") == en
    assert english_sentences(pydantic_text(problem, "zh")) == []


def test_a_type_the_catalogue_does_not_word_names_the_field_and_value() -> None:
    problem = {"type": "uuid_parsing", "loc": ("query", "run"), "input": "x1", "msg": "Input…"}

    assert pydantic_text(problem, "zh") == "run 取值不符合要求，收到的是 'x1'"
    assert pydantic_text(problem, "en") == "run has a value that is not accepted, got 'x1'"


def test_a_plain_english_value_error_stays_out_of_chinese() -> None:
    problem = {
        "type": "value_error",
        "loc": ("body", "k"),
        "input": 9,
        "ctx": {"error": ValueError("k is far too large for a scenario")},
    }

    assert pydantic_text(problem, "zh") == "k 取值无效，收到的是 9"
    assert pydantic_text(problem, "en") == "k: k is far too large for a scenario"


def test_the_field_drops_where_the_request_carried_it() -> None:
    assert pydantic_field(("body", "sites", 0, "lon")) == "sites.0.lon"
    assert pydantic_field(("query", "bbox")) == "bbox"
    assert pydantic_field(("body",)) == ""
