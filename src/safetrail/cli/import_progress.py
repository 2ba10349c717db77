"""Running an import from the terminal: a progress bar, and Ctrl-C stopping it cleanly."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from safetrail.case import CaseContext
from safetrail.cli.common import err_console
from safetrail.i18n import _
from safetrail.services.imports.report import ImportReport
from safetrail.services.imports.run import ImportOptions, ProgressInfo, run_import


@contextmanager
def _stop_on_ctrl_c(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C stops the import cleanly after the batch in flight."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        err_console.print(_("Stopping after the current batch …"))

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_shown(
    vault: CaseContext, paths: list[Path], options: ImportOptions, commit: bool, quiet: bool
) -> ImportReport:
    cancel = threading.Event()
    if quiet:
        with _stop_on_ctrl_c(cancel):
            return run_import(vault, paths, options, commit=commit, cancel=cancel)
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[records]} records"),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
        ) as bar,
        _stop_on_ctrl_c(cancel),
    ):
        tasks: dict[str, object] = {}

        def progress(info: ProgressInfo) -> None:
            task = tasks.get(info.source)
            if task is None:
                label = _("Checking") if not commit else _("Importing")
                task = bar.add_task(f"{label} {info.source}", total=info.total_bytes, records=0)
                tasks[info.source] = task
            bar.update(task, completed=info.done_bytes, records=info.records)  # type: ignore[arg-type]

        return run_import(vault, paths, options, commit=commit, progress=progress, cancel=cancel)
