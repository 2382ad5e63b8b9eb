"""Module loggers; only the CLI attaches handlers."""

from __future__ import annotations

import logging


def get_logger(name: str) -> logging.Logger:
    """Return the logger for an ifnexus module (no handlers are configured here)."""
    return logging.getLogger(name)
