"""The norm catalogues: the five plans load, every quote is in its seed, bad files are refused."""

import shutil
from pathlib import Path

import pytest

from geo.norms import (
    DEFAULT_CATALOGUE_DIR,
    Catalogue,
    CatalogueError,
    Citation,
    Ownership,
    RuleKind,
    check_citation,
    load_catalogue,
    load_catalogues,
)
from geo.norms._seeds import SeedText, normalise_text
from geo.norms.parameters import ResourceRatioParameters
from geo.norms.terms import Binding, CapacityField, TargetScope

CITIES = ("changsha", "hengyang", "jishou", "yongzhou", "yueyang")

# NORMS.md, row by row: every norm listed for a city, as (rule id, kind, a line it cites)
NORMS_MIRROR: dict[str, list[tuple[str, RuleKind, int]]] = {
    "yueyang": [
        ("yueyang.community_health_circle", RuleKind.TRAVEL_TIME_COVERAGE, 195),
        ("yueyang.ambulance_fleet", RuleKind.FLEET_RATIO, 216),
        ("yueyang.negative_pressure_ambulances", RuleKind.FLEET_RATIO, 216),
        ("yueyang.county_ems_centre", RuleKind.PRESENCE, 216),
        ("yueyang.beds_per_1000", RuleKind.RESOURCE_RATIO, 103),
        ("yueyang.physicians_per_1000", RuleKind.RESOURCE_RATIO, 318),
        ("yueyang.nurses_per_1000", RuleKind.RESOURCE_RATIO, 318),
        ("yueyang.gps_per_10000", RuleKind.RESOURCE_RATIO, 133),
        ("yueyang.psychiatric_provision", RuleKind.PRESENCE, 178),
        ("yueyang.gps_per_primary_centre", RuleKind.STAFFING, 318),
        ("yueyang.icu_bed_share", RuleKind.STAFFING, 230),
        ("yueyang.infectious_ward_per_county", RuleKind.PRESENCE, 230),
    ],
    "hengyang": [
        ("hengyang.health_circle_15min", RuleKind.TRAVEL_TIME_COVERAGE, 13),
        ("hengyang.health_circle_15min", RuleKind.TRAVEL_TIME_COVERAGE, 330),
        ("hengyang.ems_8km_15min", RuleKind.EMS_RESPONSE, 13),
        ("hengyang.infant_care_radius", RuleKind.RADIUS_COVERAGE, 280),
        ("hengyang.ambulance_fleet", RuleKind.FLEET_RATIO, 319),
        ("hengyang.negative_pressure_ambulances", RuleKind.FLEET_RATIO, 319),
        ("hengyang.county_ems_centre", RuleKind.PRESENCE, 319),
        ("hengyang.beds_per_1000", RuleKind.RESOURCE_RATIO, 166),
        ("hengyang.physicians_per_1000", RuleKind.RESOURCE_RATIO, 173),
        ("hengyang.nurses_per_1000", RuleKind.RESOURCE_RATIO, 187),
        ("hengyang.pharmacists_per_1000", RuleKind.RESOURCE_RATIO, 194),
        ("hengyang.gps_per_10000", RuleKind.RESOURCE_RATIO, 201),
        ("hengyang.large_catchment_centre_standard", RuleKind.FACILITY_PER_POPULATION, 367),
        ("hengyang.psychiatric_ward", RuleKind.PRESENCE, 269),
        ("hengyang.county_hospital_recommended_standard", RuleKind.PRESENCE, 367),
        ("hengyang.district_grade_ii_hospital", RuleKind.PRESENCE, 367),
        ("hengyang.gps_per_primary_centre", RuleKind.STAFFING, 330),
        ("hengyang.critical_maternal_centre", RuleKind.PRESENCE, 282),
        ("hengyang.critical_neonatal_centre", RuleKind.PRESENCE, 282),
    ],
    "jishou": [
        ("jishou.urban_care_circle_15min", RuleKind.TRAVEL_TIME_COVERAGE, 281),
        ("jishou.rural_care_circle_30min", RuleKind.TRAVEL_TIME_COVERAGE, 281),
        ("jishou.rural_care_circle_30min", RuleKind.TRAVEL_TIME_COVERAGE, 287),
        ("jishou.village_clinic_radius", RuleKind.RADIUS_COVERAGE, 287),
        ("jishou.beds_per_1000", RuleKind.RESOURCE_RATIO, 65),
        ("jishou.physicians_per_1000", RuleKind.RESOURCE_RATIO, 149),
        ("jishou.nurses_per_1000", RuleKind.RESOURCE_RATIO, 163),
        ("jishou.gps_per_10000", RuleKind.RESOURCE_RATIO, 175),
        ("jishou.private_bed_reserve", RuleKind.RESOURCE_RATIO, 291),
        ("jishou.gps_per_primary_centre", RuleKind.STAFFING, 287),
        ("jishou.critical_maternal_centre", RuleKind.PRESENCE, 379),
        ("jishou.critical_neonatal_centre", RuleKind.PRESENCE, 379),
        ("jishou.infectious_ward_hospital", RuleKind.PRESENCE, 274),
        ("jishou.infection_ward_every_general_hospital", RuleKind.PRESENCE, 257),
    ],
    "changsha": [
        ("changsha.care_circle_1530", RuleKind.TRAVEL_TIME_COVERAGE, 31),
        ("changsha.beds_per_1000", RuleKind.RESOURCE_RATIO, 99),
        ("changsha.physicians_per_1000", RuleKind.RESOURCE_RATIO, 100),
        ("changsha.nurses_per_1000", RuleKind.RESOURCE_RATIO, 102),
        ("changsha.pharmacists_per_1000", RuleKind.RESOURCE_RATIO, 103),
        ("changsha.gps_per_10000", RuleKind.RESOURCE_RATIO, 104),
        ("changsha.township_health_centre_per_township", RuleKind.FACILITY_PER_POPULATION, 237),
        ("changsha.community_health_centre_per_subdistrict", RuleKind.FACILITY_PER_POPULATION, 237),
        ("changsha.blood_donation_house", RuleKind.PRESENCE, 215),
    ],
    "yongzhou": [
        ("yongzhou.primary_care_circle_15min", RuleKind.TRAVEL_TIME_COVERAGE, 1266),
        ("yongzhou.community_station_walk", RuleKind.TRAVEL_TIME_COVERAGE, 1278),
        ("yongzhou.community_station_per_population", RuleKind.FACILITY_PER_POPULATION, 1276),
        ("yongzhou.ems_station_radius", RuleKind.RADIUS_COVERAGE, 1136),
        ("yongzhou.ems_station_at_hospitals", RuleKind.PRESENCE, 1140),
        ("yongzhou.regional_subcentre_1h", RuleKind.EMS_RESPONSE, 1185),
        ("yongzhou.regional_subcentre_1h", RuleKind.EMS_RESPONSE, 1487),
        ("yongzhou.ambulance_fleet", RuleKind.FLEET_RATIO, 1140),
        ("yongzhou.negative_pressure_ambulances", RuleKind.FLEET_RATIO, 1142),
        ("yongzhou.city_120_centre", RuleKind.PRESENCE, 1130),
        ("yongzhou.county_120_subcentre", RuleKind.PRESENCE, 1136),
        ("yongzhou.beds_per_1000", RuleKind.RESOURCE_RATIO, 540),
        ("yongzhou.physicians_per_1000", RuleKind.RESOURCE_RATIO, 543),
        ("yongzhou.nurses_per_1000", RuleKind.RESOURCE_RATIO, 550),
        ("yongzhou.pharmacists_per_1000", RuleKind.RESOURCE_RATIO, 552),
        ("yongzhou.gps_per_10000", RuleKind.RESOURCE_RATIO, 554),
        ("yongzhou.private_bed_reserve", RuleKind.RESOURCE_RATIO, 1446),
        ("yongzhou.large_catchment_community_hospital", RuleKind.FACILITY_PER_POPULATION, 1270),
        ("yongzhou.large_catchment_community_hospital", RuleKind.FACILITY_PER_POPULATION, 1503),
        ("yongzhou.psychiatric_ward", RuleKind.PRESENCE, 738),
        ("yongzhou.gps_per_primary_centre", RuleKind.STAFFING, 1289),
        ("yongzhou.county_subcentres", RuleKind.PRESENCE, 1205),
        ("yongzhou.county_subcentres", RuleKind.PRESENCE, 3022),
        ("yongzhou.maternal_child_institution", RuleKind.PRESENCE, 848),
    ],
}

# the resource-ratio table of NORMS.md with the figure each catalogue uses (per 1,000; GPs per
# 10,000); Yueyang and Jishou pharmacists are in the plans' tables though NORMS.md shows "—"
RATIO_TABLE: dict[str, dict[str, float]] = {
    "yueyang": {"beds": 8, "physicians": 2.8, "nurses": 4, "general_practitioners": 3.93,
                "pharmacists": 0.54},
    "hengyang": {"beds": 8, "physicians": 3.2, "nurses": 4.1, "general_practitioners": 3.93,
                 "pharmacists": 0.54},
    "jishou": {"beds": 9, "physicians": 3.5, "nurses": 4, "general_practitioners": 3.93,
               "pharmacists": 0.54},
    "changsha": {"beds": 11, "physicians": 4.2, "nurses": 4.5, "general_practitioners": 4,
                 "pharmacists": 0.54},
    "yongzhou": {"beds": 8, "physicians": 3.2, "nurses": 4, "general_practitioners": 3.93,
                 "pharmacists": 0.54},
}  # fmt: skip

GOOD_RULE = """\
  - id: hengyang.gps_per_primary_centre
    title_zh: 每所乡镇卫生院、街道社区卫生服务中心配备4名以上全科医生
    title_en: At least 4 GPs at every township and community health centre
    kind: staffing
    applies_to: [city, county]
    parameters:
      facilities:
        - facility_types: [township_health_center, community_health_center]
      attribute: general_practitioners
      min_per_facility: 4
    target: {value: 4, unit: per_facility}
    citation:
      document: 001_80cf858754c9910a.txt
      lines: L330
      quote: 为每所乡镇卫生院、街道社区卫生服务中心配备4名以上全科医生
"""

HEADER = """\
city: hengyang
city_adcode: "430400"
city_name_zh: 衡阳市
city_name_en: Hengyang
city_level: prefecture
document: 001_80cf858754c9910a.txt
plan_title_zh: 衡阳市“十四五”卫生健康事业发展规划
plan_title_en: Hengyang 14th Five-Year Plan for Health Development
document_number: null
issuer_zh: 衡阳市人民政府办公室
rules:
"""


@pytest.fixture(scope="module")
def seeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "plans" / "seeds"


@pytest.fixture(scope="module")
def catalogues(seeds_dir: Path) -> dict[str, Catalogue]:
    return {c.city: c for c in load_catalogues(seeds_dir=seeds_dir)}


def write_catalogue(tmp_path: Path, rules: str, name: str = "hengyang.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + rules, encoding="utf-8")
    return path


def refusal(path: Path, seeds_dir: Path) -> str:
    """The refusal in English (the Chinese is checked defect by defect in test_problems)."""
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path, seeds_dir=seeds_dir)
    return caught.value.localized("en")


# --- the five shipped catalogues ---


def test_the_five_catalogues_load_with_every_quote_found(seeds_dir: Path) -> None:
    catalogues = load_catalogues(seeds_dir=seeds_dir)
    seeds: dict[str, SeedText] = {}

    assert [c.city for c in catalogues] == sorted(CITIES)
    for catalogue in catalogues:
        for rule in catalogue.rules:
            for citation in rule.citations:
                problem = check_citation(citation, seeds_dir=seeds_dir, seeds=seeds)
                assert problem is None, (rule.id, problem)


def test_default_catalogue_dir_is_the_package_folder() -> None:
    names = sorted(p.stem for p in DEFAULT_CATALOGUE_DIR.glob("*.yaml"))

    assert names == sorted(CITIES)


@pytest.mark.parametrize("city", CITIES)
def test_catalogue_holds_every_norm_of_norms_md(
    city: str, catalogues: dict[str, Catalogue]
) -> None:
    catalogue = catalogues[city]
    for rule_id, kind, line in NORMS_MIRROR[city]:
        rule = catalogue.rule(rule_id)
        assert rule.kind == kind, rule_id
        cited = [c.lines for c in rule.citations]
        assert any(first <= line <= last for first, last in cited), (rule_id, line, cited)


@pytest.mark.parametrize("city", CITIES)
def test_resource_ratio_figures_match_the_plan_tables(
    city: str, catalogues: dict[str, Catalogue]
) -> None:
    # the 2025 indicator table (Changsha's 2030 GP goal is a rule of its own)
    ratios = [
        r
        for r in catalogues[city].rules
        if isinstance(r.parameters, ResourceRatioParameters) and r.year == 2025
    ]
    public = {
        r.parameters.resource.value: r.target.value
        for r in ratios
        if not any(s.ownership == Ownership.PRIVATE for s in r.parameters.facilities or ())
    }
    private = [r.target.value for r in ratios if r not in public and r.id.endswith("bed_reserve")]

    assert public == RATIO_TABLE[city]
    # NORMS.md: beds reserved for private providers, Jishou and Yongzhou only
    assert private == ([1.5] if city in ("jishou", "yongzhou") else [])


def test_changsha_states_its_2030_gp_goal_apart_from_the_2025_indicator(
    catalogues: dict[str, Catalogue],
) -> None:
    goal = catalogues["changsha"].rule("changsha.gps_per_10000_2030")

    assert goal.year == 2030
    assert goal.target.value == 5
    assert goal.parameters.resource == CapacityField.GENERAL_PRACTITIONERS
    assert catalogues["changsha"].rule("changsha.gps_per_10000").target.value == 4


@pytest.mark.parametrize(
    ("city", "target", "baseline"),
    [
        ("yueyang", 0.62, 0.37),
        ("hengyang", 0.62, 0.4),
        ("jishou", 0.62, 0.32),
        ("changsha", 0.75, 0.61),
        ("yongzhou", 0.62, 0.35),
    ],
)
def test_tcm_physician_ratios_wait_for_the_register_field(
    city: str, target: float, baseline: float, catalogues: dict[str, Catalogue]
) -> None:
    rule = catalogues[city].rule(f"{city}.tcm_physicians_per_1000")

    assert rule.data_gap is not None
    assert rule.needs == ("tcm_physicians",)
    assert rule.target.value == target
    assert rule.baseline is not None
    assert (rule.baseline.value, rule.baseline.year) == (baseline, 2020)


def test_gps_per_10000_are_binding_everywhere(catalogues: dict[str, Catalogue]) -> None:
    for city in CITIES:
        rule = catalogues[city].rule(f"{city}.gps_per_10000")
        assert rule.binding == Binding.BINDING
        assert rule.parameters.per_population == 10000


def test_where_text_and_table_disagree_the_catalogue_says_which_it_uses(
    catalogues: dict[str, Catalogue],
) -> None:
    nurses = catalogues["yueyang"].rule("yueyang.nurses_per_1000")
    pharmacists = catalogues["yueyang"].rule("yueyang.pharmacists_per_1000")

    assert nurses.target.value == 4
    assert nurses.interpretation is not None
    assert pharmacists.interpretation is not None
    assert "3.8" in nurses.interpretation.en
    assert "3.8" in nurses.interpretation.zh
    assert pharmacists.target.value == 0.54
    assert "0.63" in pharmacists.interpretation.en
    assert "0.63" in pharmacists.interpretation.zh


def test_ambiguous_norms_carry_an_interpretation(catalogues: dict[str, Catalogue]) -> None:
    circle = catalogues["changsha"].rule("changsha.care_circle_1530")
    assert circle.interpretation is not None
    assert "never defines" in circle.interpretation.en
    assert "未加定义" in circle.interpretation.zh
    assert circle.parameters.minutes_urban == 15
    assert circle.parameters.minutes_rural == 30

    for city in ("yueyang", "hengyang", "yongzhou"):
        fleet = catalogues[city].rule(f"{city}.ambulance_fleet")
        assert fleet.interpretation is not None
        assert "县域" in fleet.interpretation.zh
        assert "县级市" in fleet.interpretation.zh
        assert "county-level cities" in fleet.interpretation.en
        assert fleet.parameters.base_multiplier_county == 3.0
        assert fleet.parameters.per_population == 30000


def test_rule_ids_are_unique_and_prefixed_by_their_city(catalogues: dict[str, Catalogue]) -> None:
    ids = [rule.id for c in catalogues.values() for rule in c.rules]

    assert len(ids) == len(set(ids))
    for city, catalogue in catalogues.items():
        assert all(rule.id.startswith(f"{city}.") for rule in catalogue.rules)


def test_citation_lines_serialise_as_plan_references(catalogues: dict[str, Catalogue]) -> None:
    rule = catalogues["yongzhou"].rule("yongzhou.ambulance_fleet")

    assert rule.citation.model_dump(mode="json") == {
        "document": "004_d7d4906956ec28ce.txt",
        "lines": "L1140-1142",
        "quote": "按每 3 万常住人口 1 辆的标准配备救护车（县域按常住人口的 300%测算人口基数）",
    }


@pytest.mark.parametrize(
    ("lines", "expected"),
    [("L1136-1140", (1136, 1140)), ("L195", (195, 195)), ("L12–L14", (12, 14)),
     ([7, 9], (7, 9)), (42, (42, 42))],
)  # fmt: skip
def test_citation_lines_accept_the_plan_notations(lines: object, expected: tuple) -> None:
    citation = Citation.model_validate({"document": "x.txt", "lines": lines, "quote": "q"})

    assert citation.lines == expected


# --- matching quotes in the seeds ---


def test_quotes_match_across_broken_lines_and_whitespace() -> None:
    seed = SeedText.from_text(
        "s.txt", "第一行写到一\n\n半接着写完。\n表格\n\t7.62\n\t8\n按每 3 万人 1 辆\n"
    )

    assert seed.line_count == 7
    assert seed.locate("写到一半接着写完") == [(1, 3)]
    assert seed.locate("表格 7.62 8") == [(4, 6)]
    assert seed.locate("按每3万人1辆") == [(7, 7)]
    assert seed.locate("写到一伴") == []
    assert normalise_text(" a\tb\u3000c\xa0d\n") == "abcd"


def test_a_quote_must_be_at_its_cited_lines(seeds_dir: Path) -> None:
    quote = "逐步实现负压救护车占比40%以上"
    right = Citation(document="001_80cf858754c9910a.txt", lines=(319, 319), quote=quote)
    wrong = Citation(document="001_80cf858754c9910a.txt", lines=(13, 14), quote=quote)
    beyond = Citation(document="001_80cf858754c9910a.txt", lines=(440, 450), quote=quote)

    assert check_citation(right, seeds_dir=seeds_dir) is None
    found = check_citation(wrong, seeds_dir=seeds_dir)
    assert found is not None
    assert (found.key, found.field) == ("catalogue.defect.quote_elsewhere", "lines")
    assert found.localized("en") == "quote found at L319, not at the cited lines"
    assert found.fields["given"] == "L13-14"
    # 445 newlines and a last line holding one space, as sed numbers them
    out = check_citation(beyond, seeds_dir=seeds_dir)
    assert out is not None
    assert out.localized("en") == ("lines out of range: 001_80cf858754c9910a.txt has 446 lines")
    assert str(out) == "行号超出原文范围：001_80cf858754c9910a.txt 共 446 行"


# --- bad catalogues are refused, naming the rule ---


def test_a_minimal_good_catalogue_loads(tmp_path: Path, seeds_dir: Path) -> None:
    catalogue = load_catalogue(write_catalogue(tmp_path, GOOD_RULE), seeds_dir=seeds_dir)

    assert [rule.id for rule in catalogue.rules] == ["hengyang.gps_per_primary_centre"]


def test_a_quote_not_in_the_seed_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace("配备4名以上全科医生", "配备5名以上全科医生")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert "hengyang.yaml" in message
    assert (
        "rule hengyang.gps_per_primary_centre, field citation.quote: quote not found in 001_"
        in message
    )


def test_an_unknown_kind_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace("kind: staffing", "kind: staffing_ratio")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "rule hengyang.gps_per_primary_centre, field kind: unknown kind; known kinds: " in message
    )
    assert "(given: staffing_ratio)" in message


def test_a_duplicate_id_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    message = refusal(write_catalogue(tmp_path, GOOD_RULE + GOOD_RULE), seeds_dir)

    assert "rule hengyang.gps_per_primary_centre, field id: duplicate rule id" in message


def test_a_duplicate_id_across_catalogues_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    write_catalogue(tmp_path, GOOD_RULE, name="a.yaml")
    shutil.copy(tmp_path / "a.yaml", tmp_path / "b.yaml")

    with pytest.raises(CatalogueError) as caught:
        load_catalogues(tmp_path, seeds_dir=seeds_dir)

    assert (
        "rule hengyang.gps_per_primary_centre, field id: duplicate rule id: in a.yaml and b.yaml"
        in (caught.value.localized("en"))
    )


def test_a_missing_citation_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.split("    citation:", maxsplit=1)[0]

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "rule hengyang.gps_per_primary_centre, field citation: is required but not given" in message
    )


def test_a_bad_unit_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace("unit: per_facility", "unit: per_1000_residents")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert "rule hengyang.gps_per_primary_centre, field target.unit" in message
    assert (
        "field target.unit: the target's unit does not fit the parameters; "
        "this rule needs per_facility (given: per_1000_residents)"
    ) in message


def test_an_unknown_unit_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace("unit: per_facility", "unit: doctors")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "rule hengyang.gps_per_primary_centre, field target.unit: must be one of: minutes, km,"
        in message
    )
    assert "(given: doctors)" in message


def test_parameters_disagreeing_with_the_target_are_refused(
    tmp_path: Path, seeds_dir: Path
) -> None:
    rules = GOOD_RULE.replace("min_per_facility: 4", "min_per_facility: 3")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "field parameters.min_per_facility: parameter min_per_facility lies outside the "
        "target 4 (per_facility) (given: 3)"
    ) in message


def test_an_unknown_facility_type_or_field_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    typo = GOOD_RULE.replace("community_health_center]", "community_clinic]")
    extra = GOOD_RULE.replace("min_per_facility: 4", "min_per_facility: 4\n      per_1000: 4")

    assert "parameters.facilities[0].facility_types[1]: must be one of:" in refusal(
        write_catalogue(tmp_path, typo), seeds_dir
    )
    assert "parameters.per_1000: is not a field taken here (misspelt, or misplaced)" in refusal(
        write_catalogue(tmp_path, extra), seeds_dir
    )


def test_lines_outside_the_seed_are_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace("lines: L330", "lines: L900")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "rule hengyang.gps_per_primary_centre, field citation.lines: lines out of range" in message
    )
    assert "(given: L900)" in message


def test_a_citation_of_another_plan_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace(
        "document: 001_80cf858754c9910a.txt", "document: 000_43e534452d03a9c6.txt"
    )

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "rule hengyang.gps_per_primary_centre, field citation.document: cites another plan's text; "
        "this plan's is 001_80cf858754c9910a.txt (given: 000_43e534452d03a9c6.txt)"
    ) in message


def test_a_rule_of_another_city_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace("id: hengyang.", "id: yueyang.")

    message = refusal(write_catalogue(tmp_path, rules), seeds_dir)

    assert (
        "rule yueyang.gps_per_primary_centre, field id: rule ids must start with hengyang."
    ) in message


def test_every_problem_of_a_file_is_reported_together(tmp_path: Path, seeds_dir: Path) -> None:
    second = GOOD_RULE.replace("gps_per_primary_centre", "other").replace(
        "kind: staffing", "kind: nonsense"
    )
    first = GOOD_RULE.replace("配备4名", "配备9名")

    with pytest.raises(CatalogueError) as caught:
        load_catalogue(write_catalogue(tmp_path, first + second), seeds_dir=seeds_dir)

    assert [(p.rule_id, p.key) for p in caught.value.problems] == [
        ("hengyang.other", "catalogue.defect.unknown_kind"),
        ("hengyang.gps_per_primary_centre", "catalogue.defect.quote_not_found"),
    ]


# --- the plan header and the rule fields every output carries ---


def test_every_catalogue_names_its_plan_by_title_and_document_number(
    catalogues: dict[str, Catalogue],
) -> None:
    for catalogue in catalogues.values():
        assert catalogue.plan_title_zh
        assert catalogue.plan_title_en
        assert catalogue.issuer_zh
    assert catalogues["changsha"].document_number == "长政办发〔2021〕62号"


def test_a_header_without_its_document_number_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    path = write_catalogue(tmp_path, GOOD_RULE)
    path.write_text(path.read_text().replace("document_number: null\n", ""), encoding="utf-8")

    assert "catalogue field document_number: is required but not given" in refusal(path, seeds_dir)


def test_binding_baseline_and_year_load(tmp_path: Path, seeds_dir: Path) -> None:
    rules = GOOD_RULE.replace(
        "    target: {value: 4, unit: per_facility}\n",
        "    target: {value: 4, unit: per_facility}\n    binding: expected\n    year: 2025\n"
        "    baseline: {value: 2, year: 2020, note: the plan's table}\n",
    )

    rule = load_catalogue(write_catalogue(tmp_path, rules), seeds_dir=seeds_dir).rules[0]

    assert rule.binding == Binding.EXPECTED
    assert rule.year == 2025
    assert rule.baseline is not None
    assert (rule.baseline.value, rule.baseline.year) == (2, 2020)
    assert rule.scope_of_target == TargetScope.UNIT


def test_the_older_boolean_labels_read_as_binding_or_expected(
    tmp_path: Path, seeds_dir: Path
) -> None:
    target = "    target: {value: 4, unit: per_facility}\n"
    expected = GOOD_RULE.replace(target, target + "    expected: true\n")
    both = GOOD_RULE.replace(target, target + "    expected: true\n    binding: true\n")

    rule = load_catalogue(write_catalogue(tmp_path, expected), seeds_dir=seeds_dir).rules[0]

    assert rule.binding == Binding.EXPECTED
    assert "field expected: a rule is binding or expected, not both" in refusal(
        write_catalogue(tmp_path, both), seeds_dir
    )


def test_resource_ratios_are_city_wide_unless_the_rule_says_otherwise(
    catalogues: dict[str, Catalogue],
) -> None:
    beds = catalogues["yongzhou"].rule("yongzhou.beds_per_1000")
    fleet = catalogues["yongzhou"].rule("yongzhou.ambulance_fleet")

    assert beds.scope_of_target == TargetScope.CITY
    assert fleet.scope_of_target == TargetScope.UNIT


def test_a_data_gap_rule_must_say_what_it_needs(tmp_path: Path, seeds_dir: Path) -> None:
    target = "    target: {value: 4, unit: per_facility}\n"
    gap = GOOD_RULE.replace(target, target + "    data_gap: no such field\n")

    assert "field needs: a data_gap rule needs 'needs'" in refusal(
        write_catalogue(tmp_path, gap), seeds_dir
    )
    listed = gap.replace("no such field\n", "no such field\n    needs: [tcm_physicians]\n")
    rule = load_catalogue(write_catalogue(tmp_path, listed), seeds_dir=seeds_dir).rules[0]
    assert rule.needs == ("tcm_physicians",)


def test_target_share_belongs_to_spatial_rules(tmp_path: Path, seeds_dir: Path) -> None:
    target = "    target: {value: 4, unit: per_facility}\n"
    rules = GOOD_RULE.replace(target, target + "    target_share: 0.95\n")

    assert "field target_share: target_share belongs to spatial rules" in refusal(
        write_catalogue(tmp_path, rules), seeds_dir
    )


CITY_TOTAL_RULE = """\
  - id: hengyang.icu_beds_total
    title_zh: 全市重症监护床位
    title_en: ICU beds in the city
    kind: city_total
    applies_to: [city]
    parameters:
      facilities:
        - facility_types: [general_hospital, tcm_hospital]
      field: icu_beds
      min: 1150
    target: {value: 1150, unit: total}
    citation:
      document: 001_80cf858754c9910a.txt
      lines: L330
      quote: 为每所乡镇卫生院、街道社区卫生服务中心配备4名以上全科医生
"""


def test_a_city_total_rule_loads_and_checks_its_target(tmp_path: Path, seeds_dir: Path) -> None:
    rule = load_catalogue(write_catalogue(tmp_path, CITY_TOTAL_RULE), seeds_dir=seeds_dir).rules[0]
    counted = CITY_TOTAL_RULE.replace("      field: icu_beds\n", "")

    assert rule.kind == RuleKind.CITY_TOTAL
    assert "this rule needs facilities (given: total)" in refusal(
        write_catalogue(tmp_path, counted), seeds_dir
    )


def test_presence_takes_a_share_of_subjects(tmp_path: Path, seeds_dir: Path) -> None:
    rules = """\
  - id: hengyang.county_hospitals_grade_iii
    title_zh: 50%县级综合医院达到三级
    title_en: Half the county general hospitals reach grade III
    kind: presence
    applies_to: [city]
    parameters:
      subject:
        - facility_types: [general_hospital]
      facilities:
        - facility_types: [general_hospital]
          min_grade: tertiary
      share_of_subjects: 0.5
    target: {value: 0.5, unit: share_of_facilities}
    citation:
      document: 001_80cf858754c9910a.txt
      lines: L330
      quote: 为每所乡镇卫生院、街道社区卫生服务中心配备4名以上全科医生
"""
    rule = load_catalogue(write_catalogue(tmp_path, rules), seeds_dir=seeds_dir).rules[0]

    assert rule.parameters.share_of_subjects == 0.5
    wrong = rules.replace("{value: 0.5,", "{value: 1,")
    assert "parameter share_of_subjects lies outside the target 1" in refusal(
        write_catalogue(tmp_path, wrong), seeds_dir
    )
