"""Finding the files to import: a plain file, the members of a .zip, or a folder.

Nothing here is extracted to disk: zip members are read as streams. Archives are checked
before any member is read: names that climb out of the archive ("../x", "/etc/x", "C:\\x"),
too many members, and members whose size or compression ratio give them away as a zip bomb
are refused with a message; the readers also stop at the declared size, so a lying header
cannot make a member bigger than it claims.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from safetrail.errors import InputFileError
from safetrail.i18n import _
from safetrail.importers.base import Probe, Skipped

__all__ = [
    "MAX_MEMBERS",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "ArchiveRefused",
    "BytesSource",
    "FileSource",
    "FolderSource",
    "SourceItem",
    "StreamSource",
    "ZipMemberSource",
    "find_sources",
    "probe",
    "zip_sources",
]

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_MEMBER_BYTES = 4 * 1024**3
#: compression ratio above which a member larger than RATIO_FLOOR is treated as a bomb
MAX_RATIO = 200
RATIO_FLOOR = 10 * 1024 * 1024
PROBE_BYTES = 64 * 1024
SKIP_DIRS = {"__MACOSX", ".git", ".Trash", ".Spotlight-V100"}


class ArchiveRefused(InputFileError):
    default_hint = (
        "SafeTrail does not open this archive because it could harm the computer. "
        "Export the chat or backup again from the app that made it."
    )


@dataclass
class _Counter:
    """Bytes read so far from every stream a source handed out (for progress)."""

    consumed: int = 0


class _CountingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO, counter: _Counter, limit: int | None = None) -> None:
        super().__init__()
        self._inner = inner
        self._counter = counter
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        size = len(data)
        self._read += size
        if self._limit is not None and self._read > self._limit:
            raise ArchiveRefused(
                _("A file inside the archive is larger than the archive says it is."),
            )
        buffer[:size] = data
        self._counter.consumed += size
        return size

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def _wrap(inner: BinaryIO, counter: _Counter, limit: int | None = None) -> BinaryIO:
    return io.BufferedReader(_CountingReader(inner, counter, limit), buffer_size=256 * 1024)


@dataclass
class FileSource:
    """A plain file on disk."""

    path: Path
    counter: _Counter = field(default_factory=_Counter)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def member(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def open(self) -> BinaryIO:
        try:
            return _wrap(self.path.open("rb"), self.counter)
        except OSError as exc:
            raise InputFileError(
                _("SafeTrail cannot read {name}: {reason}.").format(
                    name=self.path.name, reason=exc.strerror or exc
                )
            ) from None

    def sibling(self, member: str) -> FileSource | None:
        return None

    def members(self) -> list[str]:
        return []

    def local_path(self) -> Path | None:
        return self.path


@dataclass
class FolderSource:
    """A file inside a folder given to the import; its siblings are the folder's files."""

    root: Path
    relative: str
    all_members: list[str]
    counter: _Counter = field(default_factory=_Counter)

    @property
    def name(self) -> str:
        return f"{self.root.name} › {self.relative}"

    @property
    def member(self) -> str:
        return self.relative

    @property
    def size(self) -> int:
        return (self.root / self.relative).stat().st_size

    def open(self) -> BinaryIO:
        try:
            return _wrap((self.root / self.relative).open("rb"), self.counter)
        except OSError as exc:
            raise InputFileError(
                _("SafeTrail cannot read {name}: {reason}.").format(
                    name=self.name, reason=exc.strerror or exc
                )
            ) from None

    def sibling(self, member: str) -> FolderSource | None:
        found = _find_member(self.all_members, self.relative, member)
        if found is None:
            return None
        return FolderSource(self.root, found, self.all_members)

    def members(self) -> list[str]:
        return [m for m in self.all_members if m != self.relative]

    def local_path(self) -> Path | None:
        return self.root / self.relative


@dataclass
class ZipMemberSource:
    """One member of a .zip archive (already checked by :func:`_check_archive`)."""

    archive: str
    info: zipfile.ZipInfo
    all_members: list[str]
    zip: zipfile.ZipFile
    counter: _Counter = field(default_factory=_Counter)

    @property
    def name(self) -> str:
        return f"{self.archive} › {self.info.filename}"

    @property
    def member(self) -> str:
        return self.info.filename

    @property
    def size(self) -> int:
        return self.info.file_size

    def open(self) -> BinaryIO:
        try:
            inner: BinaryIO = self.zip.open(self.info)  # type: ignore[assignment]
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
            raise InputFileError(
                _("SafeTrail cannot read {name} inside the archive: {reason}.").format(
                    name=self.info.filename, reason=exc
                )
            ) from None
        return _wrap(inner, self.counter, limit=self.info.file_size)

    def sibling(self, member: str) -> ZipMemberSource | None:
        found = _find_member(self.all_members, self.info.filename, member)
        if found is None:
            return None
        return ZipMemberSource(self.archive, self.zip.getinfo(found), self.all_members, self.zip)

    def members(self) -> list[str]:
        return [m for m in self.all_members if m != self.info.filename]

    def local_path(self) -> Path | None:
        return None


@dataclass
class BytesSource:
    """A file held in memory (tests, and small uploads); ``others`` are its siblings."""

    member_name: str
    data: bytes
    others: dict[str, bytes] = field(default_factory=dict)
    counter: _Counter = field(default_factory=_Counter)

    @property
    def name(self) -> str:
        return self.member_name

    @property
    def member(self) -> str:
        return self.member_name

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return _wrap(io.BytesIO(self.data), self.counter)

    def sibling(self, member: str) -> BytesSource | None:
        names = list(self.others)
        found = _find_member(names, self.member_name, member)
        if found is None:
            return None
        return BytesSource(found, self.others[found])

    def members(self) -> list[str]:
        return list(self.others)

    def local_path(self) -> Path | None:
        return None


@dataclass
class StreamSource:
    """A file reached through ``opener``, which returns a fresh binary stream on every call
    (e.g. an exhibit already in the vault, decrypted as it is read)."""

    member_name: str
    length: int
    opener: Callable[[], BinaryIO]
    counter: _Counter = field(default_factory=_Counter)

    @property
    def name(self) -> str:
        return self.member_name

    @property
    def member(self) -> str:
        return self.member_name

    @property
    def size(self) -> int:
        return self.length

    def open(self) -> BinaryIO:
        return _wrap(self.opener(), self.counter)

    def sibling(self, member: str) -> StreamSource | None:
        return None

    def members(self) -> list[str]:
        return []

    def local_path(self) -> Path | None:
        return None


def _find_member(names: list[str], current: str, wanted: str) -> str | None:
    """``wanted`` as named by a record: next to ``current`` first, then anywhere by name."""
    wanted = wanted.replace("\\", "/").strip()
    folder = PurePosixPath(current).parent
    near = str(folder / wanted) if str(folder) != "." else wanted
    if near in names:
        return near
    if wanted in names:
        return wanted
    base = PurePosixPath(wanted).name
    for name in names:
        if PurePosixPath(name).name == base:
            return name
    return None


def probe(source: SourceItem) -> Probe:
    with source.open() as stream:
        head = stream.read(PROBE_BYTES)
    source.counter.consumed = 0
    return Probe(name=source.member, size=source.size, head=head)


SourceItem = FileSource | FolderSource | ZipMemberSource | BytesSource | StreamSource


def _unsafe_name(name: str) -> bool:
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        return True
    return any(part == ".." for part in text.split("/"))


def _check_archive(
    path: PurePosixPath, archive: zipfile.ZipFile
) -> tuple[list[zipfile.ZipInfo], list[zipfile.ZipInfo]]:
    """The members to read, and those left out because they are larger than SafeTrail
    opens (one huge video must not cost the whole chat). Hostile archives raise."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ArchiveRefused(
            _("{name} holds {count} files, more than SafeTrail opens ({limit}).").format(
                name=path.name, count=len(infos), limit=MAX_MEMBERS
            )
        )
    total = 0
    too_big: list[zipfile.ZipInfo] = []
    for info in infos:
        if _unsafe_name(info.filename):
            raise ArchiveRefused(
                _(
                    "{name} contains a file called '{member}' that points outside the "
                    "archive; SafeTrail does not open archives like this."
                ).format(name=path.name, member=info.filename)
            )
        if info.is_dir():
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_BYTES and ratio <= MAX_RATIO:
            too_big.append(info)
            continue
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > RATIO_FLOOR and ratio > MAX_RATIO
        ):
            raise ArchiveRefused(
                _(
                    "{name} contains '{member}', which would unpack to {size} MB from "
                    "{packed} MB; that is how a zip bomb looks, so SafeTrail does not open it."
                ).format(
                    name=path.name,
                    member=info.filename,
                    size=info.file_size // (1024 * 1024),
                    packed=max(info.compress_size // (1024 * 1024), 0),
                )
            )
    if total > MAX_TOTAL_BYTES:
        raise ArchiveRefused(
            _("{name} would unpack to {size} GB, more than SafeTrail opens.").format(
                name=path.name, size=total // 1024**3
            )
        )
    left_out = set(map(id, too_big))
    kept = [
        info
        for info in infos
        if not info.is_dir() and not _skipped_name(info.filename) and id(info) not in left_out
    ]
    return kept, too_big


def _skipped_name(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(part in SKIP_DIRS for part in parts) or PurePosixPath(name).name.startswith("._")


def zip_sources(name: str, file: Path | BinaryIO) -> Iterator[SourceItem | Skipped]:
    """The members of one archive (a path, or a seekable binary stream named ``name``)."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        yield Skipped(
            name,
            _("{name} is not a readable .zip archive ({reason}).").format(name=name, reason=exc),
        )
        return
    infos, too_big = _check_archive(PurePosixPath(name), archive)
    names = [info.filename for info in infos]
    for info in too_big:
        yield Skipped(
            f"{name} › {info.filename}",
            _(
                "'{member}' ({size} MB) is larger than SafeTrail opens from an archive "
                "({limit} MB); it was left out, and the rest of {name} was read."
            ).format(
                member=info.filename,
                size=info.file_size // (1024 * 1024),
                limit=MAX_MEMBER_BYTES // (1024 * 1024),
                name=name,
            ),
        )
    for info in infos:
        yield ZipMemberSource(name, info, names, archive)


def _folder_sources(root: Path) -> Iterator[SourceItem | Skipped]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for file in sorted(files):
            full = Path(folder) / file
            if file.startswith(".") or not stat.S_ISREG(full.lstat().st_mode):
                continue
            found.append(full.relative_to(root).as_posix())
    for rel in found:
        yield FolderSource(root, rel, found)


def find_sources(paths: list[Path]) -> Iterator[SourceItem | Skipped]:
    """Every file to consider, in the order given; zips and folders are opened up.

    A path that does not exist or cannot be read raises :class:`InputFileError` before
    anything is read (the person typed it; they should fix it). Problems inside a
    container become :class:`Skipped` items, except hostile archives, which raise.
    """
    for path in paths:
        if not path.exists():
            raise InputFileError(_("There is no file or folder at {path}.").format(path=path))
        if not os.access(path, os.R_OK):
            raise InputFileError(_("SafeTrail is not allowed to read {path}.").format(path=path))
    for path in paths:
        if path.is_dir():
            yield from _folder_sources(path)
        elif zipfile.is_zipfile(path):
            yield from zip_sources(path.name, path)
        else:
            yield FileSource(path)
