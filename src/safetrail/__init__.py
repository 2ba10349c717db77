"""SafeTrail: a private, encrypted incident log and evidence vault."""

__version__ = "0.1.0"
