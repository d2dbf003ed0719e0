"""``fplan bench``: the record list on real Porto Alegre data and a small synthetic network.

The 250k and 1M cases are a command, not a test: they are never run here.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import benchmarks as bench
from app.cli import app
from app.settings import get_settings
from benchmarks.coverage import compare_coverage
from geo.network import network_from_arrays
from geo.network.speeds import DRIVE_URBAN_SPEED_KPH

PORTO = "porto_alegre_drive_15min"
JISHOU = "synthetic_jishou_20k_drive_15min"


@pytest.fixture
def runner(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("APP_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _records(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["bench", "--json", *args])
    assert result.exit_code == 0, result.stderr + result.stdout
    records = json.loads(result.stdout)
    assert isinstance(records, list)
    return records


def _check_record(record: dict[str, object], *, case: str, synthetic: bool) -> None:
    assert set(bench.RECORD_FIELDS) <= set(record)
    assert record["case"] == case
    assert record["synthetic"] is synthetic
    assert isinstance(record["nodes"], int)
    assert isinstance(record["edges"], int)
    assert isinstance(record["facilities"], int)
    assert record["nodes"] > 0
    assert record["edges"] > record["nodes"]
    assert record["facilities"] > 0
    assert record["reachable_mismatch"] == 0
    assert isinstance(record["max_abs_diff_s"], float)
    assert record["max_abs_diff_s"] <= 1e-6
    for field in ("ours_s", "networkx_s", "ratio", "build_s", "peak_rss_mb"):
        value = record[field]
        assert isinstance(value, float)
        assert value > 0, field
    assert record["ratio"] == pytest.approx(record["networkx_s"] / record["ours_s"])
    _check_peers(record)


def _check_peers(record: dict[str, object]) -> None:
    # scipy and the C reference search the same arrays and agree bit for bit
    assert record["scipy_equal"] is True
    assert record["c_ref_equal"] is True
    assert record["c_ref"] == "gcc -O3"
    for field in ("scipy_s", "c_ref_s", "vs_scipy", "vs_floor", "load_avg_1m"):
        assert isinstance(record[field], float), field
    assert record["vs_scipy"] == pytest.approx(record["scipy_s"] / record["ours_s"])
    assert record["vs_floor"] == pytest.approx(record["ours_s"] / record["c_ref_s"])


def test_porto_alegre_in_its_own_process(runner: CliRunner) -> None:
    (record,) = _records(runner, "--case", PORTO, "--repeats", "2")
    _check_record(record, case=PORTO, synthetic=False)
    assert record["ours_runs"] == 2
    # 141 facilities in H3 cells, some sharing a cell (../shared/data/README.md)
    assert 0 < record["facilities"] <= 141


def test_small_synthetic_in_process(runner: CliRunner) -> None:
    (record,) = _records(runner, "--case", JISHOU, "--in-process", "--repeats", "1")
    _check_record(record, case=JISHOU, synthetic=True)
    assert record["facilities"] == 100
    assert abs(record["nodes"] / 20_000 - 1.0) <= 0.10


def test_table_output_names_the_case(runner: CliRunner) -> None:
    result = runner.invoke(app, ["bench", "--case", JISHOU, "--in-process", "--repeats", "1"])
    assert result.exit_code == 0, result.stderr
    assert JISHOU in result.stderr
    assert result.stdout == ""


def test_unknown_case_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(app, ["bench", "--case", "no_such_case"])
    assert result.exit_code == 2
    assert "no_such_case" in result.stderr
    assert PORTO in result.stderr


def test_quick_leaves_out_heavy_cases() -> None:
    quick = [c.name for c in bench.select_cases(quick=True)]
    full = [c.name for c in bench.select_cases()]
    assert "synthetic_1m_drive_15min" in full
    assert "synthetic_1m_drive_15min" not in quick
    assert quick == [c.name for c in bench.CASES if not (c.heavy or c.e2e or c.opt_in)]
    # named cases run whatever --quick says, in registry order
    named = bench.select_cases(["synthetic_1m_drive_15min", PORTO], quick=True)
    assert [c.name for c in named] == [PORTO, "synthetic_1m_drive_15min"]


def test_end_to_end_cases_run_only_when_asked_for() -> None:
    e2e = [c.name for c in bench.CASES if c.e2e]
    assert e2e == [
        "e2e_demo_yongzhou",
        "e2e_check_cold",
        "e2e_check_reused",
        "e2e_listing_commands",
        "e2e_report_yongzhou",
        "e2e_scenario_add_site",
        "e2e_compliance_50_clients",
        "yongzhou_ems_mclp",
        "yongzhou_ems_fleet",
    ]
    # the default bench needs no database
    assert not set(e2e) & {c.name for c in bench.select_cases()}
    assert not set(e2e) & {c.name for c in bench.select_cases(quick=True)}
    with_e2e = [c.name for c in bench.select_cases(quick=True, e2e=True)]
    assert with_e2e[-len(e2e) :] == e2e
    assert [c.name for c in bench.select_cases(["e2e_check_cold"])] == ["e2e_check_cold"]


def test_list_marks_heavy_and_end_to_end_cases(runner: CliRunner) -> None:
    result = runner.invoke(app, ["bench", "--list"])
    assert result.exit_code == 0, result.stderr
    assert "e2e_check_reused (e2e)" in result.stderr
    assert "synthetic_1m_drive_15min (heavy)" in result.stderr


def test_compare_coverage_on_a_hand_built_line() -> None:
    # five nodes 2 km apart on a residential street; the facility at node 0
    net = network_from_arrays(
        np.arange(5) * 2_000.0,
        np.zeros(5),
        [0, 1, 2, 3],
        [1, 2, 3, 4],
        ["residential"] * 4,
        crs="EPSG:32649",
    )
    net.mode_graph("drive")
    step_s = 2_000.0 / (DRIVE_URBAN_SPEED_KPH["residential"] / 3.6)
    record = compare_coverage(
        net, np.array([0]), case="line", build_s=0.0, repeats=1, limit_s=900.0
    )
    assert record["reached_nodes"] == int(900.0 // step_s) + 1
    assert record["reachable_mismatch"] == 0
    assert record["max_abs_diff_s"] == 0.0
    assert record["nodes"] == 5
    assert record["edges"] == 8
    assert record["facilities"] == 1
    assert record["scipy_equal"] is True
    assert record["c_ref_equal"] is True


def test_province_pbf_import_is_opt_in_and_counts_exactly(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.synthetic_pbf import line_tags, spec_for_nodes

    assert "province_pbf_import" not in {c.name for c in bench.select_cases()}
    monkeypatch.setenv("FPLAN_BENCH_PBF_NODES", "3000")
    (record,) = _records(runner, "--case", "province_pbf_import", "--in-process")
    spec = spec_for_nodes(3000)
    g = spec.grid
    one_way_lines = sum(1 for i in range(g) if "oneway" in line_tags(i))
    assert (record["osm_nodes"], record["osm_ways"]) == (spec.total_nodes, spec.total_ways)
    # kept: the intersections and the footways' ends; every block side two-way except on the
    # one-way lines (rows and columns alike), every footway two-way
    assert record["nodes"] == g * g + (g - 1) ** 2
    expected_edges = 2 * spec.highway_segments - 2 * one_way_lines * (g - 1) + 2 * (g - 1) ** 2
    assert record["edges"] == expected_edges
    assert (
        record["needed_nodes"] == record["located_nodes"] == g * g + 6 * g * (g - 1) + (g - 1) ** 2
    )
    for field in ("read_s", "generate_s", "peak_rss_mb", "file_mb"):
        assert isinstance(record[field], float)
        assert record[field] > 0
