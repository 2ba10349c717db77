from __future__ import annotations

import io
import os
import random
import struct
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, TiffImagePlugin

from safetrail.domain.exif import ExifInfo, read_exif

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKE, MODEL = 0x010F, 0x0110
DATE_TIME_ORIGINAL, OFFSET_TIME_ORIGINAL, SUBSEC_TIME_ORIGINAL = 0x9003, 0x9011, 0x9291
LAT_REF, LAT, LON_REF, LON = 1, 2, 3, 4


def ratio(numerator: int, denominator: int = 1) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(numerator, denominator)


def make_jpeg(setup: Callable[[Image.Exif], None] | None = None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", (16, 16), "white")
    if setup is None:
        image.save(buffer, "JPEG")
    else:
        exif = Image.Exif()
        setup(exif)
        image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def london_photo(exif: Image.Exif) -> None:
    exif[MAKE] = "Canon"
    exif[MODEL] = "Canon EOS 5D Mark IV"
    sub = exif.get_ifd(EXIF_IFD)
    sub[DATE_TIME_ORIGINAL] = "2026:03:03 14:05:00"
    sub[OFFSET_TIME_ORIGINAL] = "+00:00"
    gps = exif.get_ifd(GPS_IFD)
    gps[LAT_REF] = "N"
    gps[LAT] = (ratio(51), ratio(30), ratio(260, 10))  # 51°30'26.0"N
    gps[LON_REF] = "W"
    gps[LON] = (ratio(0), ratio(7), ratio(3900, 100))  # 0°7'39.0"W


LONDON_JPEG = make_jpeg(london_photo)
TIFF_START = LONDON_JPEG.index(b"Exif\x00\x00") + 6


def test_full_metadata() -> None:
    info = read_exif(io.BytesIO(LONDON_JPEG))
    assert info.taken_at == "2026-03-03T14:05:00+00:00"
    assert info.latitude is not None and info.longitude is not None
    assert round(info.latitude, 6) == 51.507222
    assert round(info.longitude, 6) == -0.1275
    assert info.make == "Canon"
    assert info.model == "Canon EOS 5D Mark IV"
    assert info.problems == []


def test_without_offset_subseconds_and_southern_eastern_position() -> None:
    def setup(exif: Image.Exif) -> None:
        sub = exif.get_ifd(EXIF_IFD)
        sub[DATE_TIME_ORIGINAL] = "2025:12:31 23:59:58"
        sub[SUBSEC_TIME_ORIGINAL] = "25"
        gps = exif.get_ifd(GPS_IFD)
        gps[LAT_REF] = "S"
        gps[LAT] = (ratio(33), ratio(5185, 100), ratio(0))  # decimal minutes: 33°51.85'S
        gps[LON_REF] = "E"
        gps[LON] = (ratio(151), ratio(12), ratio(3060, 100))

    info = read_exif(io.BytesIO(make_jpeg(setup)))
    assert info.taken_at == "2025-12-31T23:59:58.250000"
    assert info.latitude is not None and info.longitude is not None
    assert round(info.latitude, 6) == -33.864167
    assert round(info.longitude, 6) == 151.2085
    assert (info.make, info.model) == (None, None)
    assert info.problems == []


def test_offset_east_of_utc() -> None:
    def setup(exif: Image.Exif) -> None:
        sub = exif.get_ifd(EXIF_IFD)
        sub[DATE_TIME_ORIGINAL] = "2026:03:03 23:05:00"
        sub[OFFSET_TIME_ORIGINAL] = "+09:00"

    info = read_exif(io.BytesIO(make_jpeg(setup)))
    assert info.taken_at == "2026-03-03T23:05:00+09:00"


def test_jpeg_without_exif() -> None:
    assert read_exif(io.BytesIO(make_jpeg())) == ExifInfo()


def test_png_and_empty_and_random_bytes_give_nothing() -> None:
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    assert read_exif(io.BytesIO(png.getvalue())) == ExifInfo()
    assert read_exif(io.BytesIO(b"")) == ExifInfo()
    noise = random.Random(1234).randbytes(50_000)
    info = read_exif(io.BytesIO(noise))
    assert (info.taken_at, info.latitude, info.longitude, info.make) == (None, None, None, None)


@pytest.mark.parametrize(
    ("stamp", "problem"),
    [
        ("0000:00:00 00:00:00", "not a real date ('0000:00:00 00:00:00')"),
        ("    :  :     :  :  ", "is blank"),
        ("2026:02:30 10:00:00", "not a real date ('2026:02:30 10:00:00')"),
        ("yesterday", "not a real date ('yesterday')"),
    ],
)
def test_blank_or_impossible_date(stamp: str, problem: str) -> None:
    def setup(exif: Image.Exif) -> None:
        exif.get_ifd(EXIF_IFD)[DATE_TIME_ORIGINAL] = stamp

    info = read_exif(io.BytesIO(make_jpeg(setup)))
    assert info.taken_at is None
    if stamp.strip(" :"):
        assert len(info.problems) == 1 and problem in info.problems[0]


def test_bad_offset_is_dropped_with_a_problem() -> None:
    def setup(exif: Image.Exif) -> None:
        sub = exif.get_ifd(EXIF_IFD)
        sub[DATE_TIME_ORIGINAL] = "2026:03:03 14:05:00"
        sub[OFFSET_TIME_ORIGINAL] = "+99:00"

    info = read_exif(io.BytesIO(make_jpeg(setup)))
    assert info.taken_at == "2026-03-03T14:05:00"
    assert info.problems == ["The photo's time zone offset '+99:00' is not valid; it was left out."]


@pytest.mark.parametrize(
    "gps",
    [
        {LAT: (ratio(51), ratio(30), ratio(0)), LON_REF: "W", LON: (ratio(0), ratio(7), ratio(0))},
        {
            LAT_REF: "N",
            LAT: (ratio(51), ratio(30, 0), ratio(0)),
            LON_REF: "W",
            LON: (1.0, 2.0, 3.0),
        },
        {LAT_REF: "N", LAT: (ratio(95), ratio(0), ratio(0)), LON_REF: "W", LON: (1.0, 2.0, 3.0)},
        {LAT_REF: "N", LAT: (ratio(51), ratio(30), ratio(0))},
        {LAT_REF: "N", LAT: (0.0, 0.0, 0.0), LON_REF: "E", LON: (0.0, 0.0, 0.0)},
    ],
    ids=["missing-ref", "zero-denominator", "out-of-range", "no-longitude", "null-island"],
)
def test_unusable_gps_gives_no_position_and_a_problem(gps: dict[int, object]) -> None:
    def setup(exif: Image.Exif) -> None:
        exif.get_ifd(GPS_IFD).update(gps)

    info = read_exif(io.BytesIO(make_jpeg(setup)))
    assert (info.latitude, info.longitude) == (None, None)
    assert len(info.problems) == 1 and "GPS position" in info.problems[0]


def test_every_truncation_is_handled() -> None:
    for cut in range(len(LONDON_JPEG)):
        info = read_exif(io.BytesIO(LONDON_JPEG[:cut]))
        assert isinstance(info, ExifInfo)
    # Cut inside the GPS data: what came before is still read.
    gps_values = LONDON_JPEG.index(b"N\x00") + 2
    info = read_exif(io.BytesIO(LONDON_JPEG[:gps_values]))
    assert info.make == "Canon"
    assert info.taken_at == "2026-03-03T14:05:00+00:00"
    assert (info.latitude, info.longitude) == (None, None)
    assert info.problems == ["The photo says it has GPS data, but it could not be read."]


def test_corrupted_ifd_entry_count() -> None:
    data = bytearray(LONDON_JPEG)
    ifd0 = TIFF_START + struct.unpack(">I", data[TIFF_START + 4 : TIFF_START + 8])[0]
    data[ifd0 : ifd0 + 2] = b"\xff\xff"  # 65535 entries, running far past the end
    info = read_exif(io.BytesIO(bytes(data)))
    assert info.problems


def test_corrupted_ifd_pointers() -> None:
    data = bytearray(LONDON_JPEG)
    ifd0 = TIFF_START + struct.unpack(">I", data[TIFF_START + 4 : TIFF_START + 8])[0]
    count = struct.unpack(">H", data[ifd0 : ifd0 + 2])[0]
    for entry in range(count):
        at = ifd0 + 2 + 12 * entry
        # every value pointer aims at the end of the address space
        data[at + 8 : at + 12] = b"\xff\xff\xff\xf0"
    next_ifd = ifd0 + 2 + 12 * count
    data[next_ifd : next_ifd + 4] = struct.pack(">I", ifd0 - TIFF_START)  # IFD0 -> IFD0 loop
    info = read_exif(io.BytesIO(bytes(data)))
    assert isinstance(info, ExifInfo)
    assert info.taken_at is None


def test_unreachable_exif_block_is_a_problem() -> None:
    data = bytearray(LONDON_JPEG)
    app1 = LONDON_JPEG.index(b"Exif\x00\x00") - 4
    data[app1 : app1 + 2] = b"\xff\x00"  # the segment marker is broken
    info = read_exif(io.BytesIO(bytes(data)))
    assert info.taken_at is None
    assert info.problems == ["The file has a photo metadata block, but it could not be read."]


class CountingReader(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def huge_ascii_tiff() -> bytes:
    """A TIFF whose Make tag claims to be 2 GB long, followed by 1 MiB of 'A'."""
    header = b"II*\x00" + struct.pack("<I", 8)
    entry = struct.pack("<HHII", MAKE, 2, 0x7FFF_FFF0, 26)
    ifd = struct.pack("<H", 1) + entry + struct.pack("<I", 0)
    return header + ifd + b"A" * (1 << 20)


def test_reading_is_bounded() -> None:
    reader = CountingReader(huge_ascii_tiff())
    info = read_exif(reader, max_bytes=4096)
    assert reader.bytes_read <= 4096
    assert info.make is not None and set(info.make) == {"A"}
    assert "Stopped after reading 4096 bytes; some metadata may be missing." in info.problems


def test_position_is_restored() -> None:
    reader = io.BytesIO(LONDON_JPEG)
    reader.seek(17)
    assert read_exif(reader).make == "Canon"
    assert reader.tell() == 17


class PipeLike(io.RawIOBase):
    """A stream that can only be read forwards."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def seekable(self) -> bool:
        return False


def test_non_seekable_stream() -> None:
    info = read_exif(PipeLike(LONDON_JPEG))  # type: ignore[arg-type]
    assert info.taken_at == "2026-03-03T14:05:00+00:00"


class Exploding(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise OSError("device unplugged")


def test_read_errors_become_problems() -> None:
    info = read_exif(Exploding(LONDON_JPEG))
    assert (info.taken_at, info.make) == (None, None)
    assert info.problems == ["The photo metadata is damaged and could not be read fully (OSError)."]


def test_real_file_on_disk(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "photo.jpg")
    with open(path, "wb") as handle:
        handle.write(LONDON_JPEG)
    with open(path, "rb") as handle:
        assert read_exif(handle).model == "Canon EOS 5D Mark IV"


HEADERS = [b"", b"\xff\xd8\xff\xe1", b"II*\x00", b"MM\x00*", b"\x89PNG\r\n\x1a\n"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(HEADERS), body=st.binary(max_size=4096))
def test_never_raises_on_arbitrary_bytes(prefix: bytes, body: bytes) -> None:
    info = read_exif(io.BytesIO(prefix + body), max_bytes=64 * 1024)
    assert isinstance(info, ExifInfo)
    assert all(isinstance(problem, str) for problem in info.problems)


@settings(max_examples=300, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.integers(0, len(LONDON_JPEG) - 1), st.integers(0, 255)), max_size=12
    ),
    cut=st.integers(0, len(LONDON_JPEG)),
)
def test_never_raises_on_damaged_photos(changes: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(LONDON_JPEG)
    for position, value in changes:
        data[position] = value
    info = read_exif(io.BytesIO(bytes(data[:cut])))
    assert isinstance(info, ExifInfo)
