"""Road networks in PostGIS: store a ``geo`` network, find a city's, rebuild its arrays.

Nodes and directed edges go in with ``COPY`` (a 1M-node network is millions of rows). The compute
arrays are cached on disk as ``.npz`` under ``settings.cache_dir`` and rebuilt from PostGIS when the
cache is missing, stale or damaged: beside each file a ``.sha256`` holds its checksum, and a file
that does not match it (truncated, bit-flipped, half written) or cannot be read is replaced.
"""

import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.bulk import bulk_load, copy_batches, ewkb_points, ewkb_segments
from app.db.models import RoadEdge, RoadNetwork, RoadNode
from app.errors import NotFoundError
from app.services._tx import transaction
from app.services.city_rules import network_rank
from app.settings import Settings
from geo.network import Network, encode_sources

# arrays of geo.network.Network that are saved and rebuilt
_ARRAYS = (
    "x",
    "y",
    "node_id",
    "edge_u",
    "edge_v",
    "length_m",
    "road_class",
    "oneway",
    "way_id",
    "maxspeed_kph",
    "access",
    "urban",
    "edge_source",
)


@dataclass(frozen=True)
class NetworkSummary:
    id: int
    city_adcode: str | None
    name: str
    source: str
    synthetic: bool
    crs: str
    n_nodes: int
    n_edges: int
    created_at: datetime


def _summary(row: RoadNetwork) -> NetworkSummary:
    return NetworkSummary(
        id=row.id,
        city_adcode=row.city_adcode,
        name=row.name,
        source=row.source,
        synthetic=row.synthetic,
        crs=row.crs,
        n_nodes=row.n_nodes,
        n_edges=row.n_edges,
        created_at=row.created_at,
    )


def store_network(
    session: Session,
    net: Network,
    *,
    name: str,
    source: str,
    city_adcode: str | None = None,
    params: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> NetworkSummary:
    """Write ``net`` (nodes and directed edges) to PostGIS and return its summary.

    With ``settings``, the compute arrays are also written to the disk cache as PostGIS will
    give them back, so the first :func:`load_network` reads no rows.
    """
    # the writer's library loads here: a command that only reads a network never imports it
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(net.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(net.x, net.y)
    loads = {"road_nodes": net.n_nodes, "road_edges": net.n_edges}
    with transaction(session), bulk_load(session, loads):
        row = RoadNetwork(
            city_adcode=city_adcode,
            name=name,
            source="synthetic" if net.synthetic else source,
            synthetic=net.synthetic,
            crs=net.crs,
            n_nodes=net.n_nodes,
            n_edges=net.n_edges,
            params=params or {},
        )
        session.add(row)
        session.flush()
        session.refresh(row)
        # nodes and edges go in batch by batch: a province's network never exists as rows whole
        copy_batches(
            session,
            "road_nodes",
            net.n_nodes,
            lambda rows: _node_columns(net, row.id, rows, lon, lat),
        )
        copy_batches(
            session,
            "road_edges",
            net.n_edges,
            lambda rows: _edge_columns(net, row.id, rows, lon, lat),
        )
        summary = _summary(row)
    if settings is not None:
        _write_cache(cache_path(settings, summary), summary, as_stored(net))
    return summary


def _node_columns(
    net: Network,
    network_id: int,
    rows: slice,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> dict[str, Any]:
    """The ``road_nodes`` columns of the nodes ``rows`` (``lon``, ``lat``: every node, WGS84)."""
    return {
        "network_id": network_id,
        "idx": np.arange(rows.start, rows.stop),
        "node_id": net.node_id[rows],
        "x_m": net.x[rows],
        "y_m": net.y[rows],
        "urban": net.urban[rows],
        "geom": ewkb_points(lon[rows], lat[rows]),
    }


def _edge_columns(
    net: Network,
    network_id: int,
    rows: slice,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> dict[str, Any]:
    """The ``road_edges`` columns of the directed edges ``rows``."""
    u, v = net.edge_u[rows], net.edge_v[rows]
    return {
        "network_id": network_id,
        "idx": np.arange(rows.start, rows.stop),
        "u": u,
        "v": v,
        "way_id": net.way_id[rows],
        # the class names as objects: a few strings shared by every edge
        "highway": np.asarray(net.road_classes, dtype=object)[net.road_class[rows]],
        "oneway": net.oneway[rows],
        "maxspeed_kph": net.maxspeed_kph[rows],  # NaN is written as NULL
        "length_m": net.length_m[rows],
        "access": net.access[rows],
        "source": np.asarray(net.sources, dtype=object)[net.edge_source[rows]],
        "geom": ewkb_segments(lon[u], lat[u], lon[v], lat[v]),
    }


def as_stored(net: Network) -> Network:
    """``net`` as :func:`_rebuild` reads it back: its dtypes, the road classes in sorted order."""
    # the classes the edges use, sorted as np.unique sorts the stored highway values
    used = np.unique(net.road_class)
    classes = sorted({net.road_classes[code] for code in used})
    recode = np.zeros(len(net.road_classes), dtype=np.int16)
    recode[used] = [classes.index(net.road_classes[code]) for code in used]
    # the sources in order of first appearance, as _rebuild encodes the stored names
    edge_source, sources = encode_sources(
        np.asarray(net.sources, dtype=object)[net.edge_source], net.n_edges
    )
    return Network(
        crs=net.crs,
        x=net.x.astype(np.float64),
        y=net.y.astype(np.float64),
        node_id=net.node_id.astype(np.int64),
        edge_u=net.edge_u.astype(np.int64),
        edge_v=net.edge_v.astype(np.int64),
        length_m=net.length_m.astype(np.float64),
        road_class=recode[net.road_class],
        road_classes=tuple(classes),
        oneway=net.oneway.astype(np.bool_),
        way_id=net.way_id.astype(np.int64),
        maxspeed_kph=net.maxspeed_kph.astype(np.float64),
        access=net.access.astype(np.uint8),
        urban=net.urban.astype(np.bool_),
        edge_source=edge_source,
        sources=sources,
        synthetic=net.synthetic,
    )


def _rank(row: RoadNetwork) -> tuple[int, float] | None:
    return network_rank(synthetic=row.synthetic, params=row.params, created_at=row.created_at)


def find_network(session: Session, city_adcode: str) -> NetworkSummary | None:
    """The network a city is analysed on.

    Real OSM input takes precedence over a synthetic network when it covers the city (at least
    :data:`~app.services.city_rules.CITY_COVER_MIN` of its area); a smaller real extract (a
    campus, a district) is kept for the map and for ``fplan coverage`` but never stands for the
    city. Among equals the newest wins.
    """
    rows = session.scalars(
        select(RoadNetwork).where(RoadNetwork.city_adcode == city_adcode).order_by(RoadNetwork.id)
    ).all()
    ranked = [(rank, row) for row in rows if (rank := _rank(row)) is not None]
    return _summary(min(ranked, key=lambda pair: pair[0])[1]) if ranked else None


def list_networks(session: Session, city_adcode: str | None = None) -> list[NetworkSummary]:
    stmt = select(RoadNetwork).order_by(RoadNetwork.id)
    if city_adcode is not None:
        stmt = stmt.where(RoadNetwork.city_adcode == city_adcode)
    return [_summary(row) for row in session.scalars(stmt)]


def get_summary(session: Session, network_id: int) -> NetworkSummary:
    row = session.get(RoadNetwork, network_id)
    if row is None:
        raise NotFoundError.worded("error.network.not_found", id=network_id)
    return _summary(row)


def _rebuild(session: Session, summary: NetworkSummary) -> Network:
    import pandas as pd

    conn = session.connection()
    nodes = pd.read_sql(
        select(RoadNode.node_id, RoadNode.x_m, RoadNode.y_m, RoadNode.urban)
        .where(RoadNode.network_id == summary.id)
        .order_by(RoadNode.idx),
        conn,
    )
    edges = pd.read_sql(
        select(
            RoadEdge.u,
            RoadEdge.v,
            RoadEdge.length_m,
            RoadEdge.highway,
            RoadEdge.oneway,
            RoadEdge.way_id,
            RoadEdge.maxspeed_kph,
            RoadEdge.access,
            RoadEdge.source,
        )
        .where(RoadEdge.network_id == summary.id)
        .order_by(RoadEdge.idx),
        conn,
    )
    classes, codes = np.unique(edges["highway"].to_numpy(dtype=np.str_), return_inverse=True)
    edge_source, sources = encode_sources(edges["source"].to_numpy(dtype=object), len(edges))
    return Network(
        crs=summary.crs,
        x=nodes["x_m"].to_numpy(dtype=np.float64),
        y=nodes["y_m"].to_numpy(dtype=np.float64),
        node_id=nodes["node_id"].to_numpy(dtype=np.int64),
        edge_u=edges["u"].to_numpy(dtype=np.int64),
        edge_v=edges["v"].to_numpy(dtype=np.int64),
        length_m=edges["length_m"].to_numpy(dtype=np.float64),
        road_class=codes.astype(np.int16),
        road_classes=tuple(str(c) for c in classes),
        oneway=edges["oneway"].to_numpy(dtype=np.bool_),
        way_id=edges["way_id"].to_numpy(dtype=np.int64),
        maxspeed_kph=edges["maxspeed_kph"].to_numpy(dtype=np.float64, na_value=np.nan),
        access=edges["access"].to_numpy(dtype=np.uint8),
        urban=nodes["urban"].to_numpy(dtype=np.bool_),
        edge_source=edge_source,
        sources=sources,
        synthetic=summary.synthetic,
    )


def cache_path(settings: Settings, summary: NetworkSummary) -> Path:
    # the creation time keys the file, so a re-created database never reads a stale cache
    stamp = int(summary.created_at.timestamp() * 1e6)
    return settings.cache_dir / "networks" / f"network-{summary.id}-{stamp}.npz"


_log = logging.getLogger(__name__)
# the layout of the cache file: a file of another layout (an older release's) is rebuilt quietly
_CACHE_FORMAT = 2
# the checksum is read in blocks, so a large network's file is never held twice in memory
_HASH_BLOCK_BYTES = 1 << 20


def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK_BYTES):
            digest.update(block)
    return digest.hexdigest()


def _read_cache(path: Path, summary: NetworkSummary) -> Network | None:
    """The cached arrays, or None when the file is missing, of another format, or damaged."""
    checksum = _checksum_path(path)
    if not path.is_file():
        return None
    try:
        if not checksum.is_file() or checksum.read_text().strip() != _sha256(path):
            _log.warning("network cache %s does not match its checksum: rebuilding", path.name)
            return None
        with np.load(path, allow_pickle=False) as data:
            if "format" not in data.files or int(data["format"]) != _CACHE_FORMAT:
                return None
            if (int(data["n_nodes"]), int(data["n_edges"])) != (summary.n_nodes, summary.n_edges):
                return None
            return Network(
                crs=summary.crs,
                synthetic=summary.synthetic,
                road_classes=tuple(str(c) for c in data["road_classes"]),
                sources=tuple(str(c) for c in data["sources"]),
                **{name: data[name] for name in _ARRAYS},
            )
    except Exception as exc:
        # whatever makes it unreadable, PostGIS holds the network: rebuild from there
        _log.warning("network cache %s cannot be read (%r): rebuilding", path.name, exc)
        return None


def _write_cache(path: Path, summary: NetworkSummary, net: Network) -> None:
    """Write the arrays of ``net`` to the cache file ``path``, then its checksum beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of this writer's own: two requests loading one cold network at once each write
    # their file whole and the last rename wins, instead of one renaming the other's away
    writer = f"{os.getpid()}-{threading.get_ident()}"
    tmp = path.with_name(f"{path.stem}.{writer}.tmp.npz")
    np.savez(
        tmp,
        format=_CACHE_FORMAT,
        n_nodes=summary.n_nodes,
        n_edges=summary.n_edges,
        road_classes=np.asarray(net.road_classes, dtype=np.str_),
        sources=np.asarray(net.sources, dtype=np.str_),
        **{name: getattr(net, name) for name in _ARRAYS},
    )
    # the checksum goes beside the file last: a file without one is never trusted
    checksum = _checksum_path(path)
    checksum.unlink(missing_ok=True)
    tmp.replace(path)
    tmp_checksum = checksum.with_name(f"{checksum.name}.{writer}.tmp")
    tmp_checksum.write_text(_sha256(path) + "\n")
    tmp_checksum.replace(checksum)


def load_network(session: Session, settings: Settings, network_id: int) -> Network:
    """Return the compute arrays of a stored network: from the disk cache, else from PostGIS."""
    summary = get_summary(session, network_id)
    path = cache_path(settings, summary)
    cached = _read_cache(path, summary)
    if cached is not None:
        return cached
    with transaction(session):
        net = _rebuild(session, summary)
    _write_cache(path, summary, net)
    return net


def delete_network(session: Session, network_id: int) -> None:
    with transaction(session):
        session.execute(delete(RoadNetwork).where(RoadNetwork.id == network_id))
