"""Market data: one aligned daily frame, whatever the source (bundled, yfinance, csv)."""
