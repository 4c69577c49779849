"""Shared building blocks that every room may import: the user-facing error types."""

from common.errors import ConfigError, DataError, UserError

__all__ = ["ConfigError", "DataError", "UserError"]
