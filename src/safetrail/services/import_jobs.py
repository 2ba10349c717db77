"""Import preparation and the background import jobs (used by the web import page).

An import runs as a job in a background thread: first a preview (nothing is written),
then, when the person agrees, the commit with exactly the same inputs (:class:`Choices`,
carried unchanged from the preview page to the commit button). :func:`prepare` checks the
typed choices against the case (the exhibits exist, the format and the column layout are
known) and turns them into :class:`ImportOptions`.

Jobs belong to one session of one case: a :class:`JobBoard` holds them, and closing the
board (locking the vault, ending the session) stops every job; a stopped commit keeps
what it had saved, and running the same import again finishes it.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from safetrail.case import CaseContext
from safetrail.errors import RecordNotFound, SafetrailError, ValidationError
from safetrail.i18n import N_, _
from safetrail.importers.base import CsvMapping
from safetrail.importers.registry import all_importers, by_name
from safetrail.services.imports import mappings
from safetrail.services.imports.report import ImportReport, PersonCount
from safetrail.services.imports.run import ImportOptions, ProgressInfo, run_import

Mode = Literal["preview", "commit"]
JobState = Literal["running", "done", "failed", "cancelled"]
Runner = Callable[..., ImportReport]

MAX_FILES = 50  # exhibits in one import
MAX_TEXT = 200  # characters of a typed option (name, column, layout name)
MAX_JOBS = 20  # jobs remembered per session; the oldest finished ones are forgotten
DATE_ORDERS = ("auto", "day", "month")
CSV = "csv"  # the importer that takes a column layout
#: CSV layout fields shown on the page (CsvMapping field → label)
CSV_FIELDS: tuple[tuple[str, str], ...] = (
    ("timestamp", N_("Date and time column")),
    ("counterpart", N_("Phone number or contact column")),
    ("direction", N_("Incoming/outgoing column")),
    ("kind", N_("Call or message column")),
    ("text", N_("Message text column")),
    ("duration", N_("Call length column")),
    ("name", N_("Contact name column")),
    ("time_format", N_("Date layout, only if the dates are not read right")),
)
_REF_SPLIT = re.compile(r"[\s,;]+")


def _problem(exc: SafetrailError) -> tuple[str, str | None]:
    if isinstance(exc, RecordNotFound):
        return exc.message, _("Check the reference number and try again.")
    return exc.message, exc.hint


# -- what the person asked for ----------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """The inputs of an import as typed: carried unchanged from the preview to the commit."""

    evidence: tuple[str, ...] = ()
    me: str = ""
    date_order: str = "auto"
    format: str = ""
    mapping: str = ""  # a saved CSV layout, by name
    columns: tuple[tuple[str, str], ...] = ()  # CSV fields given: (field, column)
    save_mapping: str = ""  # save the CSV layout under this name after the import

    @classmethod
    def read(cls, data: Mapping[str, list[str]]) -> Choices:
        def one(key: str) -> str:
            values = data.get(key) or [""]
            return values[0].strip()[:MAX_TEXT]

        refs: list[str] = []
        for value in data.get("evidence", []):
            for ref in _REF_SPLIT.split(value.strip().upper()):
                if ref and ref not in refs:
                    refs.append(ref)
        if len(refs) > MAX_FILES:
            raise ValidationError(
                _("That is more than {n} files for one import.").format(n=MAX_FILES),
                _("Import them in a few smaller groups."),
            )
        order = one("date_order") or "auto"
        columns = tuple((name, one(f"col_{name}")) for name, _label in CSV_FIELDS)
        return cls(
            evidence=tuple(refs),
            me=one("me"),
            date_order=order if order in DATE_ORDERS else "auto",
            format=one("format"),
            mapping=one("mapping"),
            columns=tuple((name, value) for name, value in columns if value),
            save_mapping=one("save_mapping"),
        )

    def hidden_fields(self) -> list[tuple[str, str]]:
        """Form fields that repeat these choices (the commit button on the preview page)."""
        found = [("evidence", ref) for ref in self.evidence]
        found += [
            ("me", self.me),
            ("date_order", self.date_order),
            ("format", self.format),
            ("mapping", self.mapping),
            ("save_mapping", self.save_mapping),
        ]
        found += [(f"col_{name}", value) for name, value in self.columns]
        return [(key, value) for key, value in found if value]

    def form_values(self) -> dict[str, str]:
        """The page's fields filled in again after a problem."""
        values = dict(self.hidden_fields())
        values["evidence"] = ", ".join(self.evidence)
        values["date_order"] = self.date_order
        return values


def prepare(vault: CaseContext, choices: Choices) -> tuple[Choices, ImportOptions]:
    """Check the choices against the vault: exhibits exist, the format and layout are known."""
    if not choices.evidence:
        raise ValidationError(
            _("Choose at least one export file first."),
            _("Use the file picker above; the files are added to your evidence first."),
        )
    refs = []
    with vault.read() as conn:
        for ref in choices.evidence:
            record = vault.store.get(conn, vault.store.resolve(conn, "evidence", ref))
            if record.ref not in refs:
                refs.append(record.ref)
    if choices.format:
        by_name(choices.format)
    mapping: CsvMapping | None = None
    if choices.mapping:
        mapping = mappings.find_mapping(vault, choices.mapping)
    if choices.columns:
        mapping = mappings.mapping_from_pairs([f"{k}={v}" for k, v in choices.columns], mapping)
    if choices.save_mapping and mapping is None:
        raise ValidationError(
            _("There is no column layout to save."),
            _("Fill in at least the date and time column and the phone number column."),
        )
    fmt = choices.format or None
    if fmt is None and mapping is not None and any(i.name == CSV for i in all_importers()):
        fmt = CSV  # a column layout is only given for a CSV list, which is never guessed
    options = ImportOptions(
        format=fmt,
        me=choices.me or None,
        day_first={"day": True, "month": False}.get(choices.date_order),
        csv_mapping=mapping,
    )
    return replace(choices, evidence=tuple(refs)), options


# -- jobs -------------------------------------------------------------------------------


@dataclass
class ImportJob:
    """One preview or commit running (or finished) in a background thread."""

    id: str
    mode: Mode
    choices: Choices
    options: ImportOptions
    vault: CaseContext
    runner: Runner = run_import
    started: float = field(default_factory=time.monotonic)
    stop: threading.Event = field(default_factory=threading.Event)
    guard: threading.Lock = field(default_factory=threading.Lock)
    state: JobState = "running"
    source: str = ""
    done_bytes: int = 0
    total_bytes: int = 0
    counted: dict[str, int] = field(default_factory=dict)
    report: ImportReport | None = None
    error: tuple[str, str | None] | None = None

    @property
    def url(self) -> str:
        return f"/import/jobs/{self.id}"

    def cancel(self) -> None:
        self.stop.set()

    def progress(self, info: ProgressInfo) -> None:
        with self.guard:
            self.source = info.source
            self.done_bytes = info.done_bytes
            self.total_bytes = info.total_bytes
            self.counted[info.source] = info.records

    def _end(
        self,
        state: JobState,
        report: ImportReport | None = None,
        error: tuple[str, str | None] | None = None,
    ) -> None:
        with self.guard:
            self.state, self.report, self.error = state, report, error

    def run(self) -> None:
        """The thread's work: never raises, every outcome ends up in ``state``."""
        try:
            report = self.runner(
                self.vault,
                options=self.options,
                commit=self.mode == "commit",
                progress=self.progress,
                cancel=self.stop,
                evidence_refs=list(self.choices.evidence),
            )
            mapping = self.options.csv_mapping
            if report.status == "complete" and self.choices.save_mapping and mapping:
                mappings.save_mapping(self.vault, self.choices.save_mapping, mapping)
        except SafetrailError as exc:
            self._end("failed", error=_problem(exc))
        except Exception as exc:  # the page must say something calm, never show a traceback
            if self.stop.is_set():  # the vault was locked under it
                self._end("cancelled")
            else:
                self._end("failed", error=unexpected_failure(self.mode, exc))
        else:
            if report.status in ("failed", "refused"):  # full disk, read-only, nothing read
                self._end("failed", report=report, error=(report.error or "", report.hint))
            else:
                self._end("cancelled" if report.status == "cancelled" else "done", report=report)

    def snapshot(self) -> dict[str, Any]:
        with self.guard:
            return {
                "id": self.id,
                "mode": self.mode,
                "state": self.state,
                "stopping": self.state == "running" and self.stop.is_set(),
                "source": self.source,
                "done_bytes": self.done_bytes,
                "total_bytes": self.total_bytes,
                "records": sum(self.counted.values()),
                "url": self.url,
                "report": None if self.report is None else report_summary(self.report),
                "error": None
                if self.error is None
                else {"message": self.error[0], "hint": self.error[1]},
            }


def unexpected_failure(mode: Mode, exc: Exception) -> tuple[str, str]:
    message = _("Something went wrong while reading the files ({problem}).").format(
        problem=type(exc).__name__
    )
    if mode == "preview":
        return message, _("Nothing was saved. Please try again.")
    return message, _(
        "What was saved before the problem stays. Starting the same import again finishes it."
    )


def report_summary(report: ImportReport) -> dict[str, Any]:
    data = report.to_json()
    data["ref"] = report.ref
    data["preview"] = report.preview
    data["people"] = [
        {"ref": p.ref, "name": p.name, "records": p.count} for p in people_by_count(report)
    ]
    return data


def people_by_count(report: ImportReport) -> list[PersonCount]:
    return sorted(report.people.values(), key=lambda p: (-p.count, p.ref))


class JobBoard:
    """The import jobs of one session of one case, oldest first; closed when it ends."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._jobs: dict[str, ImportJob] = {}
        self._closed = False

    def start(
        self,
        vault: CaseContext,
        mode: Mode,
        choices: Choices,
        options: ImportOptions,
        runner: Runner = run_import,
    ) -> ImportJob:
        """Start a job in a thread; a second click on the same button joins the first job."""
        with self._guard:
            if self._closed:
                raise SafetrailError(_("The vault is locked."), _("Unlock it again."))
            jobs = sorted(self._jobs.values(), key=lambda j: j.started)
            for job in jobs:
                if job.state == "running" and job.mode == mode and job.choices == choices:
                    return job
            finished = [j for j in jobs if j.state != "running"]
            for old in finished[: max(len(jobs) + 1 - MAX_JOBS, 0)]:
                del self._jobs[old.id]
            job = ImportJob(secrets.token_hex(12), mode, choices, options, vault, runner)
            self._jobs[job.id] = job
            threading.Thread(target=job.run, name=f"import-{job.id[:6]}", daemon=True).start()
            return job

    def find(self, job_id: str) -> ImportJob | None:
        with self._guard:
            return self._jobs.get(job_id)

    def jobs(self) -> list[ImportJob]:
        """Oldest first."""
        with self._guard:
            found = list(self._jobs.values())
        return sorted(found, key=lambda j: j.started)

    def by_id(self) -> dict[str, ImportJob]:
        with self._guard:
            return dict(self._jobs)

    def close(self) -> None:
        """Stop and forget every job; the board takes no new ones."""
        with self._guard:
            self._closed = True
            closing, self._jobs = list(self._jobs.values()), {}
        for job in closing:
            job.cancel()
