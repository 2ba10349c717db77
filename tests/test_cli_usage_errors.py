"""Usage errors (a missing argument or option, a bad value) in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import st

PROGRAM = "python -m safetrail.cli.main"


def usage_error(language: str, *args: str) -> str:
    """What the real entry point prints for a usage error (it exits 2, prints nothing else)."""
    done = st(Path("no-vault"), *args, passphrase=None, SAFETRAIL_LANG=language, COLUMNS="80")
    assert (done.returncode, done.stdout) == (2, "")
    return done.stderr


JA_MISSING_ARGUMENT = f"""\
Usage: {PROGRAM} import-undo [OPTIONS] {{ref}}
使い方は '{PROGRAM} import-undo --help' で確認できます。
╭─ エラー ─────────────────────────────────────────────────────────────────────╮
│ 引数 'ref' を指定してください。                                              │
╰──────────────────────────────────────────────────────────────────────────────╯
"""

JA_TOO_SMALL = f"""\
Usage: {PROGRAM} daemon [OPTIONS]
使い方は '{PROGRAM} daemon --help' で確認できます。
╭─ エラー ─────────────────────────────────────────────────────────────────────╮
│ '--interval' の値が正しくありません：0.05 以上にしてください。               │
╰──────────────────────────────────────────────────────────────────────────────╯
"""

KO_MISSING_OPTION = f"""\
Usage: {PROGRAM} import-undo [OPTIONS] {{ref}}
사용법은 '{PROGRAM} import-undo --help'로 볼 수 있어요.
╭─ 오류 ───────────────────────────────────────────────────────────────────────╮
│ 옵션 '--reason'을(를) 입력해 주세요.                                         │
╰──────────────────────────────────────────────────────────────────────────────╯
"""

KO_NOT_A_NUMBER = f"""\
Usage: {PROGRAM} daemon [OPTIONS]
사용법은 '{PROGRAM} daemon --help'로 볼 수 있어요.
╭─ 오류 ───────────────────────────────────────────────────────────────────────╮
│ '--interval'의 값이 올바르지 않아요: 'abc'은(는) 숫자가 아니에요.            │
╰──────────────────────────────────────────────────────────────────────────────╯
"""

EN_MISSING_ARGUMENT = f"""\
Usage: {PROGRAM} import-undo [OPTIONS] {{ref}}
Try '{PROGRAM} import-undo --help' for help.
╭─ Error ──────────────────────────────────────────────────────────────────────╮
│ Missing argument 'ref'.                                                      │
╰──────────────────────────────────────────────────────────────────────────────╯
"""


@pytest.mark.parametrize(
    ("language", "args", "expected"),
    [
        ("ja", ["import-undo"], JA_MISSING_ARGUMENT),
        ("ja", ["daemon", "--interval", "0.01"], JA_TOO_SMALL),
        ("ko", ["import-undo", "IM-001"], KO_MISSING_OPTION),
        ("ko", ["daemon", "--interval", "abc"], KO_NOT_A_NUMBER),
        ("en", ["import-undo"], EN_MISSING_ARGUMENT),
    ],
)
def test_usage_error_in_the_language(language: str, args: list[str], expected: str) -> None:
    assert usage_error(language, *args) == expected
