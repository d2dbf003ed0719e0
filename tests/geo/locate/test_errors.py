"""The location models' refusals come from the message catalogue: Chinese by default, the input
at fault named, and the same refusal in English on request (``GeoError.localized``)."""

import re
from collections.abc import Callable

import numpy as np
import pytest

from geo import messages
from geo.errors import GeoError, LocationInputError
from geo.locate import LSCP, MCLP, PMedian, busy_fraction, plan_ems

COST = np.array([[1.0, 5.0], [5.0, 1.0]])
HAN = re.compile("[\u4e00-\u9fff]")


def _ems(**changes: object) -> Callable[[], object]:
    args: dict[str, object] = {
        "service_radius": 2.0,
        "existing": [-1, -1],
        "fleet_total": 2,
        "max_new": 2,
        "busy": 0.3,
    }
    args.update(changes)
    cost = args.pop("cost", COST)
    return lambda: plan_ems(cost, [1.0, 1.0], **args)  # type: ignore[arg-type]


REFUSALS: list[tuple[str, Callable[[], object], str, str]] = [
    # bad k
    (
        "k not an integer",
        lambda: MCLP.from_cost_matrix(COST, [1.0, 1.0], service_radius=2.0, p_facilities=1.5),  # type: ignore[arg-type]
        "p_facilities",
        "must be an integer, got 1.5",
    ),
    (
        "k below the fixed sites",
        lambda: PMedian.from_cost_matrix(
            COST, [1.0, 1.0], p_facilities=0, predefined_facilities=[1]
        ),
        "p_facilities",
        "fewer than the 1 predefined",
    ),
    # bad busy fraction
    ("busy of 1", _ems(busy=1.0), "busy", "must be in [0, 1), got 1.0"),
    (
        "busy from no ambulance",
        lambda: busy_fraction(1000, 0, calls_per_1000_per_year=30.0, minutes_per_call=60.0),
        "ambulances",
        "ambulances must be more than 0",
    ),
    # empty candidates
    (
        "no candidate",
        lambda: LSCP.from_cost_matrix(np.zeros((2, 0)), service_radius=2.0),
        "cost_matrix",
        "got 2 x 0",
    ),
    (
        "no candidate for the fleet",
        _ems(cost=np.zeros((2, 0)), existing=[]),
        "cost_matrix",
        "2 x 0",
    ),
    # sizes that do not match
    (
        "weights for three demands",
        lambda: MCLP.from_cost_matrix(COST, [1.0, 1.0, 1.0], service_radius=2.0, p_facilities=1),
        "weights",
        "weights has 3 values for 2 demands",
    ),
    ("existing for three sites", _ems(existing=[-1, -1, -1]), "existing", "3 values for 2"),
    (
        "radius for three demands",
        lambda: LSCP.from_cost_matrix(COST, service_radius=[1.0, 1.0, 1.0]),
        "service_radius",
        "service_radius has 3 values for 2 demands",
    ),
    ("a negative fleet", _ems(fleet_total=-1), "fleet_total", "at least 0, got -1"),
]


@pytest.mark.parametrize(
    ("call", "field", "english"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_refusal_is_chinese_by_default_and_english_on_request(
    call: Callable[[], object], field: str, english: str
) -> None:
    with pytest.raises(LocationInputError) as caught:
        call()
    error = caught.value
    assert error.field == field
    assert error.key is not None
    assert error.key.startswith("locate.error.")
    # the text of the error is the catalogue's Chinese, naming the field
    assert (
        str(error)
        == error.localized("zh")
        == messages.text(error.key, "zh", field=field, **error.fields)
    )
    assert HAN.search(str(error))
    assert field in str(error)
    assert english in error.localized("en")
    assert not HAN.search(error.localized("en"))


def test_every_refusal_of_the_location_models_is_worded_in_both_languages() -> None:
    keys = [k for k in messages.catalogue("zh") if k.startswith("locate.error.")]
    assert len(keys) >= 30
    assert set(keys) == {k for k in messages.catalogue("en") if k.startswith("locate.error.")}
    for key in keys:
        assert "{field}" in messages.catalogue("zh")[key]
        assert "{field}" in messages.catalogue("en")[key]


def test_an_error_not_worded_keeps_its_own_text() -> None:
    error = GeoError("plain words")
    assert error.key is None
    assert error.localized("zh") == error.localized("en") == "plain words"
