"""Peercet core: settings, database, the completion lifecycle and the CLI."""
