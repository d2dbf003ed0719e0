"""``fplan optimize`` on the tiny prepared city: the JSON object, the table, bad options.

The command runs against the test's session through ``obj=CheckEnvironment(...)``. On the tiny
city only cell B (113.09, 2,000 urban residents) is beyond the 15-minute care circle; the gap
nodes are 113.08, 113.09 and 113.10 (``tests/fixtures/compliance_city.py``).
"""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app
from app.cli.check import CheckEnvironment
from app.settings import Settings
from tests.fixtures.compliance_city import CITY, EAST, tiny_norms
from tests.fixtures.compliance_city import prepare as prepare_city


@pytest.fixture
def environment(
    db_session: Session, settings: Settings, tmp_path: Path, tiny_city: None
) -> CheckEnvironment:
    prepare_city(db_session)
    return CheckEnvironment(session=db_session, settings=settings, norms=tiny_norms(tmp_path))


def run(environment: CheckEnvironment, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["optimize", "--city", CITY, *args], obj=environment)
    return result.exit_code, result.stdout, result.stderr


def test_json_names_the_sites_and_the_gain(environment: CheckEnvironment) -> None:
    code, out, err = run(
        environment,
        "--model",
        "mclp",
        "--rule",
        "tiny.care_circle",
        "--k",
        "1",
        "--spacing-m",
        "500",
        "--json",
    )

    assert code == 0, err
    printed = json.loads(out)
    assert set(printed) == {
        "model",
        "k",
        "chosen",
        "objective",
        "population_covered",
        "uncovered_residents",
        "unreachable_residents",
        "gain",
        "exact",
        "bound",
        "gap",
        "candidates",
        "solve_s",
    }
    (site,) = printed["chosen"]
    assert set(site) == {"rank", "lon", "lat", "type", "marginal", "county"}
    assert (site["rank"], site["marginal"], site["county"]) == (1, 2000, EAST)
    assert (printed["uncovered_residents"], printed["unreachable_residents"]) == (0, 0)
    assert (printed["gap"], printed["candidates"]) == (0, 3)
    assert round(site["lon"], 2) in {113.08, 113.09, 113.10}
    assert site["type"] == "township_health_center"
    assert (printed["model"], printed["k"], printed["objective"], printed["gain"]) == (
        "mclp",
        1,
        2000,
        2000,
    )
    assert (printed["exact"], printed["bound"], printed["population_covered"]) == (
        True,
        2000,
        10500,
    )


def test_lscp_on_a_radius_prints_a_table(environment: CheckEnvironment) -> None:
    code, out, err = run(
        environment,
        "--model",
        "lscp",
        "--radius-km",
        "5",
        "--facility-type",
        "ems_station",
        "--spacing-m",
        "500",
    )

    assert code == 0, err
    assert out == ""
    # D (112.91) and E (112.99) are beyond 5 km of the station: one site between them serves both
    # the console wraps lines: compare without whitespace
    flat = "".join(err.split())
    assert "最少站点全覆盖选址（439900）" in flat
    assert "选出1处新建" in flat
    assert "已证明为最优解。" in flat
    # Chinese only: the English summary and gap are for an English reader
    assert "newsite(s)" not in flat
    assert "Provenoptimal" not in flat


def test_the_rule_gives_the_model_type_and_spacing(environment: CheckEnvironment) -> None:
    # no --model (k given: mclp), no --facility-type (the rule's station), no --spacing-m
    code, out, err = run(environment, "--rule", "tiny.ems_radius", "--k", "1", "--json")

    assert code == 0, err
    printed = json.loads(out)
    (site,) = printed["chosen"]
    assert (printed["model"], site["type"], site["rank"]) == ("mclp", "ems_station", 1)
    # E (500 urban residents) is the only one beyond the 5 km urban radius
    assert (printed["objective"], printed["population_covered"]) == (500, 10500)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--model", "mclp", "--rule", "tiny.care_circle"], "k is required"),
        (["--model", "lscp", "--rule", "tiny.nothing"], "is not a rule of"),
        (["--model", "lscp", "--minutes", "15", "--radius-km", "5"], "exactly one"),
        (
            ["--model", "mclp", "--k", "0", "--rule", "tiny.care_circle"],
            "k must be at least 1, got 0",
        ),
    ],
)
def test_bad_options_are_named(environment: CheckEnvironment, args: list[str], words: str) -> None:
    code, _, err = run(environment, *args, "--lang", "en")

    assert code == 2
    assert words in err


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--model", "mclp", "--rule", "tiny.care_circle"], "k"),
        (["--model", "mclp", "--k", "0", "--rule", "tiny.care_circle"], "k"),
    ],
)
def test_refusals_are_chinese_by_default(
    environment: CheckEnvironment, args: list[str], field: str
) -> None:
    code, _, err = run(environment, *args)

    assert code == 2
    said = " ".join(err.split())
    assert field in said
    assert "错误：" in said
    assert re.search("[\u4e00-\u9fff]", said)
    # no English sentence: the validator's and the service's words come in Chinese
    assert not re.search(r"[A-Za-z]{3,}(?: [A-Za-z]{3,}){2,}", said)
