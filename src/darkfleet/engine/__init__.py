"""Engine layer: runs the pure detectors locally (Polars) or on a Dask cluster."""
