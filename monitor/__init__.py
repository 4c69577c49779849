"""``python -m monitor``: what every signal says on the latest data (see ``monitor/__main__.py``)."""
