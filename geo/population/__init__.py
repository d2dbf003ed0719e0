"""The population surface: census totals spread over analysis cells, urban and rural.

``surface`` builds the grid of cells, their residents (dasymetric, summing exactly to the census
per county) and their settlement class; ``_grid`` holds the cell geometry helpers.
"""
