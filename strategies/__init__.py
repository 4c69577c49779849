"""Strategies: signals into target weights over sleeves (equity, bonds, cash, gold)."""
