"""Access on a road network: who reaches which facility, and how fast.

Built on :mod:`geo.network`. ``_buckets`` is the compiled multi-source search; ``coverage`` the
nearest facility of every node and the coverage of weighted points; ``leg`` the access leg from a
place to its node; ``points`` located points; ``context`` the access context (snaps and cached
searches of a network, points and sites, with ``with_site`` for one more site); ``incremental``
adds one site to a baseline without a full recompute; ``matrix`` the location models' cost
matrices; ``isochrones`` turns reached nodes into areas.
"""
