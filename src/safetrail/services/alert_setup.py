"""Alert settings changed a few at a time (the command line gives only what changes)."""

from __future__ import annotations

from dataclasses import fields

from safetrail.case import CaseContext
from safetrail.services import checkins
from safetrail.services.checkins import AlertSettingsInput


def save_changes(vault: CaseContext, changes: dict[str, str]) -> None:
    """Save the alert settings with ``changes`` (field name → new value); the rest stay."""
    form = checkins.settings_form(checkins.alert_place(vault))
    for item in fields(AlertSettingsInput):
        if item.name in changes:
            setattr(form, item.name, changes[item.name])
    checkins.save_alert_settings(vault, form)
