"""The message catalogue: both languages word every key with the same fields; Chinese reads as
Chinese; languages are negotiated as a browser asks; units are read in the reader's language."""

import re
import string

import pytest

from geo import messages
from geo.norms.terms import RuleKind, Status
from geo.terms import FacilityType


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_word_every_key_with_the_same_fields() -> None:
    zh, en = messages.catalogue("zh"), messages.catalogue("en")

    assert set(zh) == set(en)
    assert len(zh) > 100
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key


def test_the_chinese_catalogue_has_no_english_sentence() -> None:
    # a message of Latin words only (three or more) would be an untranslated English sentence;
    # commands, options and environment variable names are typed as they are; a command's help
    # may list the values an option takes (json、csv、xlsx), never three Latin words in a row;
    # the names of formats and encodings (UTF-8, GB18030, CSV) are written as they are, and so
    # are a library's name (MapLibre GL JS) and a command quoted as code (`make run`)
    for key, text in messages.catalogue("zh").items():
        bare = re.sub(
            r"\{[a-z_]+(![rs])?(:[^}]*)?\}|fplan(?: [a-z]+)+|km²|--[a-z-]+|\b[A-Z]+_[A-Z_]+\b"
            r"|\b[A-Z]{2,4}\d*\b|`[^`]+`|MapLibre GL JS|MapLibre",
            "",
            text,
        )
        if key.startswith("cli."):
            assert not re.search(r"[A-Za-z]{2,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}", bare), (key, text)
        else:
            assert len(re.findall(r"[A-Za-z]{2,}", bare)) < 3, (key, text)


def test_the_vocabularies_have_labels() -> None:
    for kind in RuleKind:
        assert messages.has(f"kind.{kind.value}", "zh"), kind
    for status in Status:
        assert messages.has(f"status.{status.value}", "zh"), status
    for facility in FacilityType:
        assert messages.has(f"facility_type.{facility.value}", "zh"), facility
    assert messages.label("kind", "travel_time_coverage") == "出行时间覆盖"
    assert messages.label("source", "real") == "真实"
    assert messages.label("kind", "travel_time_coverage", "en") == "travel-time coverage"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en-US,en;q=0.9,zh;q=0.8", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR,en;q=0.5", "en"),
        ("fr-FR", "zh"),
        ("en;q=0.2,zh;q=0.7", "zh"),
    ],
)
def test_accept_language(header: str | None, lang: str) -> None:
    assert messages.negotiate(header) == lang


@pytest.mark.parametrize(
    ("unit", "zh"),
    [
        ("beds per 1,000 residents", "每千人床位数"),
        ("GPs per 10,000 residents", "每万人全科医生数"),
        ("ambulances", "救护车"),
        ("share of residents", "居民占比"),
        ("something new", "something new"),
    ],
)
def test_units_in_chinese(unit: str, zh: str) -> None:
    assert messages.unit_label(unit) == zh
    assert messages.unit_label(unit, "en") == unit


def test_outcome_is_chinese_even_without_an_evaluator_sentence() -> None:
    assert (
        messages.outcome(
            "fail",
            shortfall=1201377,
            shortfall_unit="residents",
            text_en="1,201,377 residents beyond 15 minutes",
            text_zh=None,
        )
        == "尚有 1,201,377 名居民未覆盖"
    )
    assert messages.outcome(
        "fail", shortfall=5, shortfall_unit="ambulances", text_en="x", text_zh="尚缺5辆救护车"
    ) == ("尚缺5辆救护车")
    assert (
        messages.outcome("pass", shortfall=0, shortfall_unit="beds", text_en="ok", text_zh=None)
        == "已达标"
    )
    assert (
        messages.outcome(
            "pass", shortfall=0, shortfall_unit="beds", text_en="ok", text_zh=None, lang="en"
        )
        == "ok"
    )


def test_outcome_reads_as_a_planner_writes_it() -> None:
    # a count takes its measure word, then what there is against what is needed
    assert (
        messages.outcome(
            "fail",
            shortfall=12,
            shortfall_unit="facilities",
            text_en="x",
            text_zh=None,
            value=3,
            target=15,
            unit="facilities",
        )
        == "尚缺 12 个机构（现有 3 个机构，需 15 个机构）"
    )
    # a coverage shortfall counts residents; the share reads as a percentage against the target
    assert (
        messages.outcome(
            "fail",
            shortfall=1201377,
            shortfall_unit="residents",
            text_en="x",
            text_zh=None,
            value=0.743,
            target=1.0,
            unit="share of residents",
        )
        == "尚有 1,201,377 名居民未覆盖（现为 74.3%，目标 100%）"
    )
    assert messages.outcome(
        "fail", shortfall=0.05, shortfall_unit="share of residents", text_en="x", text_zh=None
    ) == ("尚差 5 个百分点")


@pytest.mark.parametrize(
    ("amount", "unit", "zh"),
    [
        (12, "facilities", "12 个机构"),
        (3, "ambulances", "3 辆救护车"),
        (1500, "beds", "1,500 张床位"),
        (4, "GPs", "4 名全科医生"),
        (2, "licensed physicians", "2 名执业（助理）医师"),
        (800, "residents", "800 人"),
    ],
)
def test_counts_take_their_measure_word(amount: int, unit: str, zh: str) -> None:
    assert messages.amount_text(amount, unit) == zh
    assert messages.amount_text(amount, unit, "en") == f"{messages.number(amount)} {unit}"


def test_a_kept_parse_is_read_back_and_a_damaged_one_parsed_again() -> None:
    """The parsed catalogue is kept under the file's content hash; a damaged copy is never
    trusted, and either way the messages are the ``.po`` file's."""
    import hashlib

    from geo.messages import _HERE, _parse

    source = (_HERE / "zh.po").read_bytes()
    kept = _HERE / "__pycache__" / f"messages.zh.{hashlib.sha256(source).hexdigest()[:16]}.json"
    expected = _parse(source, "zh")
    messages.catalogue.cache_clear()
    try:
        assert messages.catalogue("zh") == expected
        assert kept.is_file()
        kept.write_text("{not json", encoding="utf-8")
        messages.catalogue.cache_clear()
        assert messages.catalogue("zh") == expected
        assert messages.catalogue("zh")["status.fail"] == expected["status.fail"]
    finally:
        messages.catalogue.cache_clear()
