"""The fonts reports embed, found inside installed packages (never downloaded).

* DejaVu Sans and DejaVu Sans Mono, shipped inside matplotlib: Latin, Greek, Cyrillic and
  many symbols.
* Noto Sans CJK JP (the ``noto-cjk-sans-jp-regular`` package): Japanese, Korean and Chinese.
  It is the fallback for every character DejaVu lacks, so names and text in Japanese and
  Korean print as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from safetrail.errors import ConfigError
from safetrail.i18n import _

CJK_PACKAGE = "noto_cjk_sans_jp_regular"
CJK_FILE = "NotoSansCJKjp-Regular.otf"
_DEJAVU = ("matplotlib", "mpl-data/fonts/ttf")


@dataclass(frozen=True)
class FontFiles:
    sans: Path
    sans_bold: Path
    mono: Path
    cjk: Path


def _packaged(package: str, relative: str) -> Path:
    try:
        found = resources.files(package).joinpath(relative)
    except ModuleNotFoundError:
        raise ConfigError(
            _("A font SafeTrail needs for reports is not installed ({package}).").format(
                package=package
            ),
            _("Reinstall SafeTrail with its dependencies (python3 dev.py run does this)."),
        ) from None
    path = Path(str(found))
    if not path.is_file():
        raise ConfigError(
            _("A font file SafeTrail needs for reports is missing: {path}.").format(path=path),
            _("Reinstall SafeTrail with its dependencies (python3 dev.py run does this)."),
        )
    return path


def font_files() -> FontFiles:
    package, folder = _DEJAVU
    return FontFiles(
        sans=_packaged(package, f"{folder}/DejaVuSans.ttf"),
        sans_bold=_packaged(package, f"{folder}/DejaVuSans-Bold.ttf"),
        mono=_packaged(package, f"{folder}/DejaVuSansMono.ttf"),
        cjk=_packaged(CJK_PACKAGE, CJK_FILE),
    )
