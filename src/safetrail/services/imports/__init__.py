"""Importing phone and app exports: preview, commit, undo (see :mod:`.run`)."""
