"""Experiment tracking: the one room that talks to MLflow."""
