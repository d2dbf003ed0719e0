"""``geo/norms/COVERAGE.md`` and the catalogue agree: the same rules, each norm of the audit listed.

The table lists the 161 norms of the five plans (the norms audit's numbering, Y1 … Z39) with the
rules that encode them; a rule id in the table must exist in the catalogue and every catalogue rule
must appear in the table, with the status (evaluated or data gap) the catalogue gives it.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from geo.norms import Catalogue, load_catalogues
from geo.norms.catalogue import DEFAULT_CATALOGUE_DIR

COVERAGE = DEFAULT_CATALOGUE_DIR.parent / "COVERAGE.md"
# the audit's count of checkable norms per plan (plans/AUDIT.md, headline numbers)
NORMS_PER_CITY = {"yueyang": 30, "hengyang": 38, "jishou": 32, "changsha": 22, "yongzhou": 39}
PREFIX = {"Y": "yueyang", "H": "hengyang", "J": "jishou", "C": "changsha", "Z": "yongzhou"}
ROW = re.compile(r"^\| ([YHJCZ])(\d+) \| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$")
RULE_ID = re.compile(r"`([a-z]+\.[a-z0-9_]+)`")


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, int, list[str], list[str]]]:
    """(city, norm number, rule ids, statuses) per norm row of the table."""
    out = []
    for line in COVERAGE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match is None:
            continue
        prefix, number, _norm, _lines, rules, status = match.groups()
        out.append((PREFIX[prefix], int(number), RULE_ID.findall(rules), status.split("<br>")))
    return out


@pytest.fixture(scope="module")
def catalogues(shared_dir: Path) -> dict[str, Catalogue]:
    return {c.city: c for c in load_catalogues(seeds_dir=shared_dir / "plans" / "seeds")}


def test_every_rule_in_the_table_is_in_the_catalogue_and_back(
    rows: list[tuple[str, int, list[str], list[str]]], catalogues: dict[str, Catalogue]
) -> None:
    in_table = [rule_id for _, _, ids, _ in rows for rule_id in ids]
    in_catalogue = {rule.id for c in catalogues.values() for rule in c.rules}

    assert set(in_table) - in_catalogue == set()
    assert in_catalogue - set(in_table) == set()
    # a rule encodes one norm of the audit
    assert [i for i, n in Counter(in_table).items() if n > 1] == []


def test_each_row_names_rules_of_its_own_plan(
    rows: list[tuple[str, int, list[str], list[str]]],
) -> None:
    for city, number, ids, statuses in rows:
        assert ids, (city, number)
        assert all(rule_id.startswith(f"{city}.") for rule_id in ids), (city, number, ids)
        assert len(statuses) == len(ids), (city, number)


def test_the_status_column_says_what_the_catalogue_says(
    rows: list[tuple[str, int, list[str], list[str]]], catalogues: dict[str, Catalogue]
) -> None:
    for city, _, ids, statuses in rows:
        for rule_id, status in zip(ids, statuses, strict=True):
            rule = catalogues[city].rule(rule_id)
            if rule.data_gap is None:
                assert status.startswith("evaluated"), rule_id
                assert f"({rule.kind.value})" in status, rule_id
            else:
                assert status.startswith("data_gap"), rule_id
                assert rule.needs, rule_id
                needs = [n.strip("`") for n in status.split("needs ", 1)[1].split(", ")]
                assert needs == list(rule.needs), rule_id


def test_every_norm_of_the_audit_is_listed_once_per_plan(
    rows: list[tuple[str, int, list[str], list[str]]],
) -> None:
    numbers: dict[str, list[int]] = {city: [] for city in NORMS_PER_CITY}
    for city, number, _, _ in rows:
        numbers[city].append(number)

    for city, count in NORMS_PER_CITY.items():
        assert sorted(numbers[city]) == list(range(1, count + 1)), city
    assert len(rows) == sum(NORMS_PER_CITY.values()) == 161


def test_the_catalogue_holds_at_least_one_entry_per_norm(
    catalogues: dict[str, Catalogue],
) -> None:
    counts = {city: len(c.rules) for city, c in catalogues.items()}

    assert sum(counts.values()) >= 161
    for city, count in NORMS_PER_CITY.items():
        assert counts[city] >= count, city
