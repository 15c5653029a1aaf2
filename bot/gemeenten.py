"""Moved to bot.organisations; this name stays for callers not yet moved (bot/__main__.py)."""

from bot.organisations import Organisations as Gemeenten

__all__ = ["Gemeenten"]
