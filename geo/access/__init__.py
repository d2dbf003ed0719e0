"""Access on a road network: who reaches which facility, and how fast.

Built on :mod:`geo.network`. ``_buckets`` is the compiled multi-source search; ``coverage`` the
nearest facility of every node and the coverage of weighted points; ``incremental`` adds one site
to a baseline without a full recompute; ``isochrones`` turns reached nodes into areas.
"""
