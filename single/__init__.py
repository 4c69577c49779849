"""A single run: one backtest on the run core (`core`), its terminal summary, run folder and tracked run."""
