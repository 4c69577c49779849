"""Charts and reports of a backtest run: pure functions that write PNG and HTML files.

Kept free of imports on purpose: `report.charts` sits on the start-up path of every run, and matplotlib
and plotly are imported only inside the functions that draw.
"""
