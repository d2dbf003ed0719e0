"""The streaming PBF reader: exact counts on a generated extract, both node decoders agree."""

from pathlib import Path

import numpy as np
import osmium
import pytest
from osmium.osm.mutable import Node, Way

from geo.network import DRIVE, WALK
from geo.network._pbf_nodes import read_node_locations
from geo.network.osm import PbfTally, read_node_locations_osmium, read_pbf
from tools.synthetic_pbf import GridSpec, line_tags, spec_for_nodes, write_pbf

# a 3 × 3 grid, one shape node per block side, one building per block (module docstring of
# tools.synthetic_pbf): lines 0 primary, 1 residential oneway=yes, 2 residential "30 mph"
TINY = GridSpec(3, spacing_m=150.0, shape_nodes=1, buildings_per_block=1)


@pytest.fixture(scope="module")
def tiny_pbf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "tiny.osm.pbf"
    write_pbf(path, TINY)
    return path


def test_generator_counts_by_hand(tiny_pbf: Path) -> None:
    # 9 intersections + 12 shape nodes + 4 blocks × (4 building corners + footway end + bench)
    assert TINY.total_nodes == 9 + 12 + 4 * 6
    assert TINY.highway_segments == 12
    nodes = sum(1 for _ in osmium.FileProcessor(str(tiny_pbf), osmium.osm.NODE))
    ways = sum(1 for _ in osmium.FileProcessor(str(tiny_pbf), osmium.osm.WAY))
    # 3 rows + 3 columns (one way each: 2 blocks < 5 per way), 4 footways, 4 buildings
    assert (nodes, ways) == (45, 14)
    assert line_tags(1)["oneway"] == "yes"
    assert line_tags(2)["maxspeed"] == "30 mph"


def test_drive_counts_by_hand(tiny_pbf: Path) -> None:
    tally = PbfTally()
    net = read_pbf(tiny_pbf, mode="drive", tally=tally)
    # nodes: the 9 intersections (shape nodes are neither shared nor way ends)
    assert net.n_nodes == 9
    # 12 block sides; row 1 and column 1 are one-way (2 sides each): 8 × 2 + 4 × 1 directed
    assert net.n_edges == 20
    assert sorted(set(net.highway.tolist())) == ["primary", "residential"]
    assert tally == PbfTally(
        highway_ways=10, kept_ways=6, node_refs=30, needed_nodes=21, located_nodes=21
    )
    # every block side is 150 m long (within the great-circle vs. degree spacing)
    assert net.length_m == pytest.approx(np.full(20, 150.0), rel=2e-3)
    # the "30 mph" line: 48.28 km/h on its 4 two-way sides (8 directed edges)
    assert np.count_nonzero(np.isclose(net.maxspeed_kph, 30 * 1.609344)) == 8
    assert np.count_nonzero(net.maxspeed_kph == 60.0) == 8


def test_walk_and_all_add_the_footways(tiny_pbf: Path) -> None:
    walk = read_pbf(tiny_pbf, mode="walk")
    every = read_pbf(tiny_pbf, mode="all")
    # 4 footways, each a two-way edge pair to a new node at the block's centre
    for net in (walk, every):
        assert (net.n_nodes, net.n_edges) == (13, 28)
    assert int(np.count_nonzero(every.access == WALK)) == 8
    assert int(np.count_nonzero(every.access == (WALK | DRIVE))) == 20


def test_unsimplified_keeps_every_highway_node(tiny_pbf: Path) -> None:
    net = read_pbf(tiny_pbf, mode="drive", simplify=False)
    # 21 highway nodes; 24 half-sides: 16 two-way (32 edges) + 8 one-way
    assert (net.n_nodes, net.n_edges) == (21, 40)


def test_numpy_and_osmium_node_readers_agree(tiny_pbf: Path, data_dir: Path) -> None:
    for path in (tiny_pbf, data_dir / "porto_alegre" / "poa_osm.pbf"):
        every = np.asarray(
            [n.id for n in osmium.FileProcessor(str(path), osmium.osm.NODE)], dtype=np.int64
        )
        wanted = np.unique(every[::3])
        ours = read_node_locations(path, wanted)
        theirs = read_node_locations_osmium(path, wanted)
        assert ours[0].shape[0] == wanted.shape[0]
        for a, b in zip(ours, theirs, strict=True):
            assert np.array_equal(a, b)
    # southern and western coordinates (Porto Alegre) truncate as libosmium does
    assert float(theirs[1].max()) < 0
    assert float(theirs[2].max()) < 0


def test_way_leaving_the_extract_is_cut_into_located_runs(tmp_path: Path) -> None:
    # way 1-2-3-4-5 whose node 3 lies outside the extract: pieces 1-2 and 4-5
    path = tmp_path / "cut.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id in (1, 2, 4, 5):
            writer.add_node(Node(id=node_id, location=(112.9 + node_id * 1e-3, 28.2)))
        tags = {"highway": "residential", "oneway": "-1"}
        writer.add_way(Way(id=7, nodes=[1, 2, 3, 4, 5], tags=tags))
    tally = PbfTally()
    net = read_pbf(path, mode="drive", tally=tally)
    assert (tally.needed_nodes, tally.located_nodes) == (5, 4)
    # oneway=-1: each piece runs backwards
    pairs = {
        (int(net.node_id[u]), int(net.node_id[v]))
        for u, v in zip(net.edge_u, net.edge_v, strict=True)
    }
    assert pairs == {(2, 1), (5, 4)}


def test_progress_reaches_the_file_size(tiny_pbf: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    read_pbf(tiny_pbf, mode="drive", progress=lambda *call: calls.append(call))
    size = tiny_pbf.stat().st_size
    stages = [stage for stage, _, _ in calls]
    # the ways pass, then the nodes pass, each ending at the file's size
    assert stages == sorted(stages, key=["ways", "nodes"].index)
    assert calls[stages.index("nodes") - 1] == ("ways", size, size)
    assert calls[-1] == ("nodes", size, size)
    assert all(0 <= done <= total == size for _, done, total in calls)


def test_spec_for_nodes_reaches_the_count() -> None:
    spec = spec_for_nodes(20_000_000)
    assert spec.total_nodes >= 20_000_000
    assert GridSpec(spec.grid - 1).total_nodes < 20_000_000
