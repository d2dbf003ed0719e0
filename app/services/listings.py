"""What the commands that only look list, read with plain SQL (:mod:`app.db.plain`).

``fplan token list``, ``fplan network list`` and ``fplan cities`` answer in a fraction of a second
from these reads: no ORM, no numpy. Each gives what its service counterpart gives, and tests
tie the two: :func:`token_rows` as :func:`app.services.auth.list_tokens`, :func:`chosen_networks`
as :func:`app.services.networks.find_network`, :func:`prepared_cities` as
:func:`app.services.inputs.require_prepared` (a city is prepared when that raises nothing).
"""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from app.services.city_rules import COUNTY_LEVELS, network_rank

if TYPE_CHECKING:
    import psycopg

Row = dict[str, Any]
# any psycopg connection: a command's own (app.db.plain.read_only) or a session's
Connection: TypeAlias = "psycopg.Connection[Any]"

_TOKENS = """
SELECT id, name, role, prefix, created_at, last_used_at, revoked_at, revoked_at IS NULL AS active
FROM api_tokens {where} ORDER BY id
"""
_NETWORKS = """
SELECT id, city_adcode, name, source, synthetic, crs, n_nodes, n_edges, params, created_at
FROM road_networks {where} ORDER BY id
"""
# per city: a city-level region, population cells, facilities in its units (or in itself)
_CITY_PARTS = """
SELECT r.adcode,
       r.level = ANY(%(levels)s) AS is_city,
       EXISTS (SELECT 1 FROM population_cells c WHERE c.city_adcode = r.adcode) AS has_cells,
       EXISTS (
           SELECT 1 FROM facilities f JOIN regions m ON m.adcode = f.region_adcode
           WHERE m.city_adcode = r.adcode OR m.adcode = r.adcode
       ) AS has_facilities
FROM regions r WHERE r.adcode = ANY(%(cities)s)
"""


def _rows(conn: Connection, query: str, params: Any = None) -> list[Row]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query, params).fetchall()


def token_rows(conn: Connection, *, include_revoked: bool = True) -> list[Row]:
    """Every token (oldest first) with the fields of a listed token, never its hash."""
    where = "" if include_revoked else "WHERE revoked_at IS NULL"
    return _rows(conn, _TOKENS.format(where=where))


def network_rows(conn: Connection, city_adcode: str | None = None) -> list[Row]:
    """The stored networks (by id), of one city when ``city_adcode`` is given."""
    if city_adcode is None:
        return _rows(conn, _NETWORKS.format(where=""))
    return _rows(conn, _NETWORKS.format(where="WHERE city_adcode = %s"), (city_adcode,))


def chosen_networks(rows: Iterable[Row]) -> dict[str, int]:
    """The network each city is analysed on (city adcode → network id), among ``rows``."""
    best: dict[str, tuple[tuple[int, float], int]] = {}
    for row in rows:
        city = row["city_adcode"]
        rank = network_rank(
            synthetic=row["synthetic"], params=row["params"], created_at=row["created_at"]
        )
        if city is None or rank is None:
            continue
        # the lowest rank wins; among equal ranks the first by id, as min() keeps it
        if city not in best or rank < best[city][0]:
            best[city] = (rank, row["id"])
    return {city: network_id for city, (_, network_id) in best.items()}


def prepared_cities(conn: Connection, city_adcodes: Sequence[str]) -> set[str]:
    """The cities of ``city_adcodes`` that are prepared: a network, residents and facilities."""
    cities = list(city_adcodes)
    parts = _rows(conn, _CITY_PARTS, {"levels": ["prefecture", *COUNTY_LEVELS], "cities": cities})
    networks = chosen_networks(
        _rows(conn, _NETWORKS.format(where="WHERE city_adcode = ANY(%s)"), (cities,))
    )
    return {
        p["adcode"]
        for p in parts
        if p["is_city"] and p["has_cells"] and p["has_facilities"] and p["adcode"] in networks
    }
