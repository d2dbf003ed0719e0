"""fplan: geospatial facility planning for health planners."""
