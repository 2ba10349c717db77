"""Importers: phone and app exports → communications (see :mod:`.base` for the contract)."""
