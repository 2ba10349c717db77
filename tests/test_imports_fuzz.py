"""Whatever bytes arrive, an import explains itself: no exception but SafeTrail's own."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safetrail.errors import SafetrailError
from safetrail.services.imports.run import run_import
from safetrail.services.vault import Vault

SAMPLES = Path(__file__).parent / "samples"
SEEDS = [
    SAMPLES / "imports" / "alex-sms.xml",
    SAMPLES / "imports" / "alex-calls.xml",
    *sorted((SAMPLES / "telegram").glob("*.json")),
    *sorted((SAMPLES / "email").glob("*.eml")),
]


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    seed = draw(st.sampled_from(SEEDS))
    data = bytearray(seed.read_bytes())
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["cut", "flip", "insert"]))
        if action == "cut":
            del data[at:]
        elif action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return seed.name, bytes(data)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(damaged())
def test_damaged_exports_never_raise_unexpected_errors(
    vault: Vault, tmp_path: Path, case: tuple[str, bytes]
) -> None:
    name, data = case
    path = tmp_path / name
    path.write_bytes(data)
    try:
        report = run_import(vault, [path], commit=False)
    except SafetrailError:
        return
    for source in report.sources:
        assert source.records >= 0
        assert source.refused is None or source.refused.strip()
        # an importer bug would show up as "This file could not be read (SomeError)."
        assert "could not be read (" not in (source.refused or "")
        assert all(reason.strip() for reason in source.skipped)
