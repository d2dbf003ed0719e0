"""Synthetic road networks for places without real data, always labelled ``synthetic``.

``roads`` is the entry: :func:`generate_road_arrays` fills a boundary around its seats and
:func:`build_synthetic_network` turns the arrays into a :class:`~geo.network.Network`. Its private
parts, one concern each: ``_seats`` (seats and the pairs roads join), ``_towns`` (town street
grids), ``_rural`` (the rural lattice), ``_arterials`` (motorways and arterials), ``_graph``
(edge-array helpers) and ``_parts`` (road classes and the layer records they share).
"""

from geo.synthetic.roads import (
    SyntheticRoads as SyntheticRoads,
)
from geo.synthetic.roads import (
    build_synthetic_network as build_synthetic_network,
)
from geo.synthetic.roads import (
    generate_road_arrays as generate_road_arrays,
)
