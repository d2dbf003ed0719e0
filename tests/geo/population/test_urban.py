"""One definition of urban: census urban residents placed on the densest cells of each unit."""

import numpy as np

from geo.errors import InputError
from geo.population.urban import calibrate_urban, urban_population_of_units
from tests._refusals import refused


def test_the_densest_cells_of_each_unit_become_urban_up_to_its_census_figure() -> None:
    codes = ["A", "A", "A", "A", "B", "B", "B"]
    people = [100, 400, 300, 200, 50, 500, 450]
    density = [100, 4000, 3000, 2000, 10, 900, 5000]

    # A: 700 urban → the 4,000 and 3,000 cells (400 + 300); B: 450 → the 5,000 cell
    urban = calibrate_urban(codes, people, density, {"A": 700, "B": 450})

    assert urban.tolist() == [False, True, True, False, False, False, True]


def test_the_crossing_cell_is_urban_only_when_that_comes_closer() -> None:
    people = [400, 300, 200]
    density = [3000, 2000, 1000]

    # 400 + 300 = 700 is closer to 600 than 400 is; 400 is closer to 500 than 700 is
    assert calibrate_urban(["A"] * 3, people, density, {"A": 600}).tolist() == [True, True, False]
    assert calibrate_urban(["A"] * 3, people, density, {"A": 500}).tolist() == [True, False, False]
    assert calibrate_urban(["A"] * 3, people, density, {"A": 0}).tolist() == [False] * 3
    assert calibrate_urban(["A"] * 3, people, density, {"A": 900}).tolist() == [True] * 3


def test_a_unit_without_a_census_figure_keeps_its_fallback_flags() -> None:
    urban = calibrate_urban(
        ["A", "B", "B"],
        [10, 20, 30],
        [5, 6, 7],
        {"A": 10, "B": None},
        fallback=[False, True, False],
    )

    assert urban.tolist() == [True, True, False]


def test_equal_densities_keep_the_input_order() -> None:
    urban = calibrate_urban(["A"] * 4, [10, 10, 10, 10], [50, 50, 50, 50], {"A": 20})

    assert urban.tolist() == [True, True, False, False]


def test_urban_residents_per_unit_round_the_census_share() -> None:
    # Yongzhou's plan: 城镇人口 248.3万, 46.94 % of 5,289,824 (seed L31-35)
    units = urban_population_of_units(
        {"431100": 5_289_824, "X": None}, {"431100": 0.4694, "X": 0.5}
    )

    assert units == {"431100": 2_483_043, "X": None}
    assert abs(units["431100"] - 2_483_000) / 2_483_000 < 0.01


def test_bad_inputs_are_refused_naming_the_field() -> None:
    with refused(InputError, match="differ in length"):
        calibrate_urban(["A"], [1, 2], [1, 2], {})
    with refused(InputError, match="population: cells must not have negative"):
        calibrate_urban(["A"], [-1], [1], {})
    with refused(InputError, match=r"region 'A': urban_population must not be negative"):
        calibrate_urban(["A"], [1], [1], {"A": -5})
    with refused(InputError, match="fallback has 2 values, expected 1"):
        calibrate_urban(["A"], [1], [1], {}, fallback=np.array([True, False]))
