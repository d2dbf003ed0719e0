"""Township and 街道 counts: the reference table and the compliance inputs that carry them (D6)."""

from app.db.models import Region
from app.services.divisions import SubUnits, township_counts
from app.services.inputs import _region_inputs

CHANGSHA_UNITS = {
    # adcode: (name, level, townships, 街道) as the NBS 2023 division codes list them
    "430102": ("芙蓉区", "district", 0, 13),
    "430103": ("天心区", "district", 0, 14),
    "430104": ("岳麓区", "district", 2, 17),
    "430105": ("开福区", "district", 0, 16),
    "430111": ("雨花区", "district", 1, 12),
    "430112": ("望城区", "district", 5, 11),
    "430121": ("长沙县", "county", 13, 5),
    "430181": ("浏阳市", "county_city", 28, 4),
    "430182": ("宁乡市", "county_city", 25, 4),
}


def test_the_table_counts_townships_and_subdistricts() -> None:
    counts = township_counts()

    for code, (_, _, townships, subdistricts) in CHANGSHA_UNITS.items():
        assert counts[code] == SubUnits(townships, subdistricts), code
    # 永州经济技术开发区 has one 街道 of its own; 吉首市 6 towns and 6 街道
    assert counts["431171"] == SubUnits(0, 1)
    assert counts["433101"] == SubUnits(6, 6)


def test_region_inputs_carry_the_counts_and_the_city_sums_them() -> None:
    city = Region(adcode="430100", name="长沙市", level="prefecture", population=10_047_914)
    units = [
        Region(adcode=code, name=name, level=level, population=1, parent_adcode="430100")
        for code, (name, level, _, _) in CHANGSHA_UNITS.items()
    ]

    inputs = {r.adcode: r for r in _region_inputs([city, *units], city)}

    assert (inputs["430121"].township_count, inputs["430121"].subdistrict_count) == (13, 5)
    assert (inputs["430100"].township_count, inputs["430100"].subdistrict_count) == (74, 96)


def test_a_unit_missing_from_the_table_has_unknown_counts() -> None:
    city = Region(adcode="439900", name="测试市", level="prefecture", population=100)
    unit = Region(
        adcode="439901", name="测试县", level="county", population=100, parent_adcode="439900"
    )

    inputs = {r.adcode: r for r in _region_inputs([city, unit], city)}

    assert inputs["439901"].township_count is None
    assert inputs["439900"].subdistrict_count is None
