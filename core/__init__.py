"""The run core both modes walk: config → plan → data → decisions → simulation → measures.

Plain functions on typed values (`core.plan.Plan`, `market.types.MarketData`, `core.simulation.Inputs`,
`core.simulation.RunResult`): a single run (`single`) and a grid or search (`sweeps`) call them; neither
mode calls the other.
"""

from core.schema import register as _register

_register()  # the structured configs must be in Hydra's ConfigStore before any composition
