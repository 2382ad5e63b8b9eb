"""The ``ifnexus`` command: one subcommand group per domain."""

from ifnexus.cli._app import app, main

__all__ = ["app", "main"]
