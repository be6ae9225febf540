"""Sykkelturen API: plan a national cycle-tour relay and pull one national run sheet."""

__version__ = "0.1.0"
