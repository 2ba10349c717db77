"""Which importer reads which file: every importer scores a probe; the best score wins."""

from __future__ import annotations

from functools import lru_cache

from safetrail.errors import ValidationError
from safetrail.i18n import _
from safetrail.importers.base import Importer, Probe

__all__ = ["DETECT_THRESHOLD", "all_importers", "by_name", "choose"]

DETECT_THRESHOLD = 0.5


@lru_cache(maxsize=1)
def all_importers() -> tuple[Importer, ...]:
    """Every importer, in the order ties are settled. One module per source format, each
    exposing ``IMPORTERS``; imported here, on first use, so that starting the app does not
    load every parser."""
    from safetrail.importers import (
        csvfile,
        discord,
        email,
        google_chat,
        kakaotalk,
        line,
        meta,
        phonedb,
        signal_desktop,
        smsbackup,
        telegram,
        whatsapp,
    )

    modules = (
        whatsapp,
        line,
        kakaotalk,
        smsbackup,
        phonedb,
        email,
        telegram,
        meta,
        discord,
        google_chat,
        signal_desktop,
        csvfile,
    )
    return tuple(importer for module in modules for importer in module.IMPORTERS)


def by_name(name: str) -> Importer:
    for importer in all_importers():
        if importer.name == name:
            return importer
    names = ", ".join(sorted(i.name for i in all_importers()))
    raise ValidationError(
        _("There is no import format called '{name}'.").format(name=name),
        _("Choose one of: {names}.").format(names=names),
    )


def choose(probe: Probe, forced: str | None = None) -> tuple[Importer, float] | None:
    """The importer for this file (or None when no importer is sure enough).

    Every importer's ``detect`` runs; one that raises is treated as a "no" so one broken
    detector never hides the others. Ties go to the importer listed first."""
    if forced:
        return by_name(forced), 1.0
    best: tuple[Importer, float] | None = None
    for importer in all_importers():
        try:
            score = float(importer.detect(probe))
        except Exception:  # a detector's bug must not stop the import
            continue
        if score >= DETECT_THRESHOLD and (best is None or score > best[1]):
            best = (importer, score)
    return best
