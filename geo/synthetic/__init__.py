"""Synthetic road networks for places without real data, always labelled ``synthetic``.

``roads`` builds a network that fills a boundary around its settlements; ``_graph`` holds the
planar-graph helpers it uses.
"""
