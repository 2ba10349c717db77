"""The import page: bring phone and app exports (messages, call logs) into the log.

Export files are uploaded first, one by one, through ``/evidence/upload``: each is
encrypted into the vault as an exhibit and never written in plaintext. The import then
reads those exhibits back (``evidence_refs``), so the original export stays kept as
evidence whatever happens next.

Reading a large export takes a while, so every import runs as a job in a background
thread: first a preview (nothing is written), then, when the person agrees, the commit
with exactly the same inputs. The job page asks for the job's JSON twice a second to
show progress. Jobs live in server memory with the unlocked session: locking the vault
stops and forgets them (see :meth:`AppState.lock_now`); a stopped commit keeps what it
had saved, and running the same import again finishes it.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from safetrail.errors import SafetrailError, ValidationError
from safetrail.i18n import N_, _
from safetrail.importers.base import CsvMapping, Importer
from safetrail.importers.registry import all_importers, by_name
from safetrail.services import settings
from safetrail.services.imports import mappings
from safetrail.services.imports.report import ImportReport, PersonCount, SourceReport
from safetrail.services.imports.run import (
    ImportOptions,
    ProgressInfo,
    list_imports,
    run_import,
    undo_import,
)
from safetrail.services.vault import Vault
from safetrail.web.routes.evidence import local_time
from safetrail.web.routes.home import current_vault
from safetrail.web.routes.incidents import problem
from safetrail.web.security import require_csrf
from safetrail.web.state import AppState
from safetrail.web.templating import render

router = APIRouter()
CSRF = [Depends(require_csrf)]

Mode = Literal["preview", "commit"]
JobState = Literal["running", "done", "failed", "cancelled"]

POLL_MS = 500  # how often the job page asks for progress
MAX_FILES = 50  # exhibits in one import
MAX_TEXT = 200  # characters of a typed option (name, column, layout name)
MAX_JOBS = 20  # jobs remembered per session; the oldest finished ones are forgotten
TOP_UNMATCHED = 10
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
STATUS_TEXT = {
    "running": N_("Running"),
    "complete": N_("Finished"),
    "cancelled": N_("Stopped before the end"),
    "interrupted": N_("Stopped before the end"),
    "failed": N_("Stopped: the vault could not be written"),
    "undone": N_("Undone"),
}
_REF_SPLIT = re.compile(r"[\s,;]+")


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


def _prepare(vault: Vault, choices: Choices) -> tuple[Choices, ImportOptions]:
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
    vault: Vault
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
            report = run_import(
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
            self._end("failed", error=problem(exc))
        except Exception as exc:  # the page must say something calm, never show a traceback
            if self.stop.is_set():  # the vault was locked under it
                self._end("cancelled")
            else:
                self._end("failed", error=_unexpected(self.mode, exc))
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


def _unexpected(mode: Mode, exc: Exception) -> tuple[str, str]:
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


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.safetrail
    return state


def _start(
    state: AppState, vault: Vault, mode: Mode, choices: Choices, opts: ImportOptions
) -> ImportJob:
    with state.lock:
        if state.vault is not vault:
            raise SafetrailError(_("The vault is locked."), _("Unlock it again."))
        jobs = _jobs(state)
        for job in jobs:  # a second click on the same button joins the first job
            if job.state == "running" and job.mode == mode and job.choices == choices:
                return job
        finished = [j for j in jobs if j.state != "running"]
        for old in finished[: max(len(jobs) + 1 - MAX_JOBS, 0)]:
            del state.import_jobs[old.id]
        job = ImportJob(secrets.token_hex(12), mode, choices, opts, vault)
        state.import_jobs[job.id] = job
        threading.Thread(target=job.run, name=f"import-{job.id[:6]}", daemon=True).start()
        return job


def _jobs(state: AppState) -> list[ImportJob]:
    """This session's jobs, oldest first."""
    with state.lock:
        found = [j for j in state.import_jobs.values() if isinstance(j, ImportJob)]
    return sorted(found, key=lambda j: j.started)


def _find(request: Request, job_id: str) -> ImportJob | None:
    state = _state(request)
    current_vault(request)
    with state.lock:
        job = state.import_jobs.get(job_id)
    return job if isinstance(job, ImportJob) else None


def _job_gone(request: Request) -> Response:
    return render(
        request,
        "error.html",
        status_code=404,
        title_key="error",
        message=_("This import is no longer shown here."),
        hint=_(
            "Checks and imports are forgotten when SafeTrail locks. Finished imports are "
            "listed on the Import page; a stopped one can be started again from there."
        ),
    )


def _wants_json(request: Request) -> bool:
    return request.headers.get("accept", "").startswith("application/json") or request.headers.get(
        "content-type", ""
    ).startswith("application/json")


async def _fields(request: Request) -> dict[str, list[str]]:
    """The posted fields, from a JSON object (imports.js) or an ordinary form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ValidationError(
                _("The import request was not understood."), _("Reload the page and try again.")
            )
        found: dict[str, list[str]] = {}
        for key, value in body.items():
            values = value if isinstance(value, list) else [value]
            found[str(key)] = [str(v) for v in values if isinstance(v, str | int)]
        return found
    form = await request.form()
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


# -- pages ------------------------------------------------------------------------------


def _status_text(status: str) -> str:
    return _(STATUS_TEXT.get(status, status))


def _translated(text: str) -> str:
    """A label kept untranslated in code (``N_``), translated now. Templates call this, not
    ``_``: Jinja's ``_`` marks its result safe, which is right only for literal strings."""
    return _(text)


def _number(value: int) -> str:
    return f"{value:,}"


def _imports_page(
    request: Request, status_code: int = 200, values: dict[str, str] | None = None, **extra: Any
) -> Response:
    vault = current_vault(request)
    importers = all_importers()
    context: dict[str, Any] = {"error": None, "hint": None, "undo_ref": None}
    context.update(extra)
    return render(
        request,
        "imports.html",
        status_code=status_code,
        title_key="imports",
        importers=importers,
        labels=_labels(importers),
        csv_ready=any(i.name == CSV for i in importers),
        csv_fields=CSV_FIELDS,
        saved_mappings=sorted(mappings.saved_mappings(vault)),
        earlier=list_imports(vault),
        jobs=list(reversed(_jobs(_state(request)))),
        timezone=settings.current(vault).timezone,
        local_time=local_time,
        status_text=_status_text,
        number=_number,
        translated=_translated,
        values=values or {"date_order": "auto"},
        undone=request.query_params.get("undone"),
        **context,
    )


def _labels(importers: tuple[Importer, ...]) -> list[str]:
    seen: list[str] = []
    for importer in importers:
        label = _(importer.label)
        if label not in seen:
            seen.append(label)
    return seen


@router.get("/import")
def import_page(request: Request) -> Response:
    return _imports_page(request)


@router.post("/import/jobs", dependencies=CSRF)
async def start_job(request: Request) -> Response:
    vault = current_vault(request)
    wants_json = _wants_json(request)
    choices = Choices()
    try:
        data = await _fields(request)
        mode = (data.get("mode") or ["preview"])[0]
        if mode not in ("preview", "commit"):
            raise ValidationError(_("The import request was not understood."))
        choices = Choices.read(data)
        choices, options = await run_in_threadpool(_prepare, vault, choices)
        job = _start(
            _state(request), vault, "commit" if mode == "commit" else "preview", choices, options
        )
    except SafetrailError as exc:
        message, hint = problem(exc)
        if wants_json:
            return JSONResponse({"error": message, "hint": hint}, status_code=400)
        return await run_in_threadpool(
            lambda: _imports_page(
                request, 400, values=choices.form_values(), error=message, hint=hint
            )
        )
    if wants_json:
        return JSONResponse({"id": job.id, "url": job.url, "status_url": f"{job.url}.json"})
    return RedirectResponse(job.url, status_code=303)


@router.get("/import/jobs/{job_id}.json")
def job_status(request: Request, job_id: str) -> Response:
    job = _find(request, job_id)
    if job is None:
        return JSONResponse(
            {"error": _("This import is no longer shown here."), "state": "gone"}, status_code=404
        )
    return JSONResponse(job.snapshot())


@router.get("/import/jobs/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    job = _find(request, job_id)
    if job is None:
        return _job_gone(request)
    snapshot = job.snapshot()
    report = job.report
    vault = current_vault(request)
    return render(
        request,
        "imports_job.html",
        title_key="import_job",
        job=job,
        snap=snapshot,
        report=report,
        sources=_source_views(report),
        people=people_by_count(report) if report else [],
        unmatched=report.unmatched.most_common(TOP_UNMATCHED) if report else [],
        more_unmatched=max(len(report.unmatched) - TOP_UNMATCHED, 0) if report else 0,
        hidden=job.choices.hidden_fields(),
        timezone=settings.current(vault).timezone,
        local_time=local_time,
        number=_number,
        translated=_translated,
        poll_ms=POLL_MS,
    )


@dataclass(frozen=True)
class SourceView:
    report: SourceReport
    reasons: list[tuple[str, int]]


def _source_views(report: ImportReport | None) -> list[SourceView]:
    if report is None:
        return []
    return [
        SourceView(s, sorted(s.skipped.items(), key=lambda item: (-item[1], item[0])))
        for s in report.sources
    ]


@router.post("/import/jobs/{job_id}/cancel", dependencies=CSRF)
def cancel_job(request: Request, job_id: str) -> Response:
    job = _find(request, job_id)
    if job is None:
        if _wants_json(request):
            return JSONResponse({"error": _("This import is no longer shown here.")}, 404)
        return _job_gone(request)
    job.cancel()
    if _wants_json(request):
        return JSONResponse(job.snapshot())
    return RedirectResponse(job.url, status_code=303)


@router.post("/import/{ref}/undo", dependencies=CSRF)
def undo(request: Request, ref: str, reason: Annotated[str, Form()] = "") -> Response:
    vault = current_vault(request)
    try:
        report = undo_import(vault, ref, reason)
    except SafetrailError as exc:
        message, hint = problem(exc)
        return _imports_page(
            request, 400, undo_ref=ref.upper(), undo_error=message, undo_hint=hint, reason=reason
        )
    return RedirectResponse(f"/import?undone={report.ref}", status_code=303)
