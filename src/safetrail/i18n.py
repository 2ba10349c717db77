"""Translation hook: every sentence a person reads goes through ``_``.

Catalogues live in ``safetrail/locale/<lang>/LC_MESSAGES/safetrail.mo`` (compiled with Babel).
When no catalogue matches, English source strings are shown.
"""

from __future__ import annotations

import gettext
import os
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "safetrail"


@lru_cache(maxsize=8)
def translations(language: str | None = None) -> gettext.NullTranslations:
    languages = [language] if language else None
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=languages, fallback=True)


def _(message: str) -> str:
    """Translate ``message`` into the language chosen by SAFETRAIL_LANG / the system locale."""
    return translations(os.environ.get("SAFETRAIL_LANG") or None).gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (module-level constants)."""
    return message
