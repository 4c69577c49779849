"""Parameter sweeps at scale: vectorized grids, chunked scale-out, walk-forward and overfitting statistics."""
