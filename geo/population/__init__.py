"""The population surface: census totals spread over analysis cells, urban and rural; points.

``surface`` builds the grid of cells and their residents (dasymetric, summing exactly to the
census per county); ``settlement`` holds the GHSL settlement classes, their density thresholds and
the classification of the cells; ``points`` reads point CSVs (a real population grid, facility
lists); ``_grid`` holds the cell geometry helpers.
"""
