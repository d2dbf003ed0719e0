"""The catalogue's readings in both languages: every interpretation and data gap is worded in
Chinese and in English, the Chinese one reads as Chinese, what a rule needs has a label, and a
planner's older single-string form still loads (shown in both languages)."""

import re
from pathlib import Path

import pytest

from geo import messages
from geo.norms import Catalogue, CatalogueError, Wording, load_catalogue, load_catalogues
from tests.geo.norms.test_catalogue import GOOD_RULE, write_catalogue

CJK = re.compile(r"[\u4e00-\u9fff]")
# three Latin words in a row (a comma or a colon between them allowed): an English sentence
ENGLISH = re.compile(r"[A-Za-z][A-Za-z'-]*(?:[ ,;:]+[A-Za-z][A-Za-z'-]*){2,}")
# a rule id (yongzhou.ambulance_fleet) or a register field id (primary_care_standard)
INTERNAL_ID = re.compile(r"[a-z]+\.[a-z0-9_]+|[a-z]+_[a-z0-9_]+")


@pytest.fixture(scope="module")
def catalogues(shared_dir: Path) -> list[Catalogue]:
    return load_catalogues(seeds_dir=shared_dir / "plans" / "seeds")


def _readings(catalogues: list[Catalogue]) -> list[tuple[str, str, Wording]]:
    return [
        (rule.id, field, wording)
        for catalogue in catalogues
        for rule in catalogue.rules
        for field, wording in (("interpretation", rule.interpretation), ("data_gap", rule.data_gap))
        if wording is not None
    ]


def test_every_reading_is_worded_in_chinese_and_english(catalogues: list[Catalogue]) -> None:
    readings = _readings(catalogues)

    # 97 interpretations and 78 data gaps in the five plans
    assert sum(field == "interpretation" for _, field, _ in readings) == 97
    assert sum(field == "data_gap" for _, field, _ in readings) == 78
    for rule_id, field, wording in readings:
        assert wording.zh != wording.en, (rule_id, field)
        assert CJK.search(wording.zh), (rule_id, field)
        assert ENGLISH.search(wording.en), (rule_id, field)


def test_the_chinese_reading_holds_no_english_sentence_and_no_id(
    catalogues: list[Catalogue],
) -> None:
    for rule_id, field, wording in _readings(catalogues):
        assert ENGLISH.search(wording.zh) is None, (rule_id, field, wording.zh)
        assert INTERNAL_ID.search(wording.zh) is None, (rule_id, field, wording.zh)
        # no space left inside the Chinese by a folded line
        assert re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", wording.zh) is None, rule_id


def test_the_readings_say_the_same_figures(catalogues: list[Catalogue]) -> None:
    # a faithful reading keeps every figure of the English (percentages, counts, thresholds)
    for rule_id, field, wording in _readings(catalogues):
        if field != "interpretation":
            continue
        english = set(re.findall(r"\d+(?:\.\d+)?%", wording.en.replace(" %", "%")))
        chinese = set(re.findall(r"\d+(?:\.\d+)?%", wording.zh))
        assert english <= chinese, (rule_id, english - chinese)


def test_every_need_has_a_label_in_both_languages(catalogues: list[Catalogue]) -> None:
    needs = {need for c in catalogues for rule in c.rules for need in rule.needs or ()}

    assert len(needs) > 40
    for need in needs:
        assert messages.has(f"need.{need}", "zh"), need
        assert messages.has(f"need.{need}", "en"), need
        assert CJK.search(messages.need_label(need)), need
        assert messages.need_label(need) != need
    assert messages.need_label("tcm_physicians") == "中医类别执业（助理）医师数"
    assert messages.need_label("tcm_physicians", "en") == "TCM-category physicians"


def test_the_older_single_string_is_shown_in_both_languages(
    tmp_path: Path, shared_dir: Path
) -> None:
    rules = GOOD_RULE + "    interpretation: Counted at every centre. 每所中心都计。\n"

    catalogue = load_catalogue(
        write_catalogue(tmp_path, rules), seeds_dir=shared_dir / "plans" / "seeds"
    )

    reading = catalogue.rules[0].interpretation
    assert reading == Wording(zh="Counted at every centre. 每所中心都计。", en=reading.en)
    assert (
        reading.in_lang("zh") == reading.in_lang("en") == "Counted at every centre. 每所中心都计。"
    )


def test_both_languages_are_given_or_the_reading_is_refused(tmp_path: Path) -> None:
    rules = GOOD_RULE + "    interpretation:\n      zh: 每所中心都计。\n"

    with pytest.raises(CatalogueError) as caught:
        load_catalogue(write_catalogue(tmp_path, rules), seeds_dir=None)

    assert "规则 hengyang.gps_per_primary_centre 的 interpretation.en：为必填项，但未填写" in str(
        caught.value
    )


def test_the_schema_offers_both_forms() -> None:
    schema = Catalogue.model_json_schema()
    forms = schema["$defs"]["Rule"]["properties"]["interpretation"]["anyOf"]

    assert {"$ref": "#/$defs/Wording"} in forms
    assert {"type": "string"} in forms
    assert schema["$defs"]["Wording"]["required"] == ["zh", "en"]
