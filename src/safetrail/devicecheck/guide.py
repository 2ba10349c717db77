"""Words shared by the terminal and the web page: steps, limits, labels.

Every sentence is marked for translation; callers pass it through ``_`` when showing it.
"""

from __future__ import annotations

from typing import Any

from safetrail.i18n import N_, _

ENABLE_STEPS: tuple[str, ...] = (
    N_("Open Settings on the phone, then About phone (on some phones: System → About phone)."),
    N_(
        "Find 'Build number' (on Samsung: Software information → Build number; on Xiaomi: "
        "MIUI version). Tap it seven times. The phone may ask for your PIN. It then says "
        "that developer options are on."
    ),
    N_("Go back to Settings and open System → Developer options (or Developer options)."),
    N_("Turn on 'USB debugging' and confirm."),
    N_(
        "Connect the phone to this computer with a USB cable. Unlock the phone. When it asks "
        "'Allow USB debugging?', check the computer's key fingerprint if you wish, and tap Allow."
    ),
    N_("Start the check. Keep the phone unlocked and connected until it says it has finished."),
)

DISABLE_STEPS: tuple[str, ...] = (
    N_("Unplug the USB cable."),
    N_("Open Settings → System → Developer options."),
    N_("Tap 'Revoke USB debugging authorisations' so no computer stays allowed."),
    N_("Turn off 'USB debugging', then turn off developer options with the switch at the top."),
)

PICTURES_NOTE = N_(
    "Menus differ a little between phone makers; the names above are the usual ones. "
    "The pictures show where the switches usually are."
)

WHAT_IS_READ = N_(
    "SafeTrail only reads. It installs nothing on the phone and changes nothing there. It "
    "reads the list of apps and who installed them, their signing certificates, which apps "
    "have administrator, accessibility, notification or always-on location access, and the "
    "proxy and VPN settings."
)

NO_CHECK_IS_COMPLETE = N_(
    "No check can find everything. The lists of known stalkerware are incomplete, new apps "
    "appear all the time, and someone with your passwords can follow you through your "
    "accounts without any app on the phone. If you feel watched, trust that feeling and "
    "talk to an advocate."
)

NOTHING_FOUND = N_(
    "This check found none of the warning signs it looks for. That does not prove that "
    "nothing is there: see what was checked below."
)

SAFETY_FIRST = N_(
    "Before you change anything: removing a monitoring app can alert the person who "
    "installed it, and it destroys evidence. Talk to an advocate or a helpline first."
)

STATUS_LABELS: dict[str, str] = {
    "read": N_("checked"),
    "damaged": N_("checked in part"),
    "missing": N_("not available"),
    "failed": N_("could not be read"),
    "not_reached": N_("not reached: the phone was disconnected"),
}

POWER_LABELS: dict[str, str] = {
    "device_admin": N_("device administrator"),
    "accessibility": N_("accessibility (can read the screen)"),
    "notification_listener": N_("reads notifications"),
    "location_always": N_("location all the time"),
}

PARTIAL_NOTE = N_(
    "This check is partial: some parts could not be read (listed below). What was read is "
    "kept; you can run the check again."
)


def credit_text(info: dict[str, Any]) -> str:
    """The credit the indicator licence asks for, with the data's date and copy."""
    origin = (
        _("shipped with SafeTrail")
        if info.get("origin") == "shipped"
        else _("loaded into this vault as {ref}").format(ref=info.get("origin"))
    )
    return _(
        "Stalkerware and watchware indicators: {credit}, {url}, licence {licence}; "
        "data of {date}, {origin}."
    ).format(
        credit=info.get("credit", ""),
        url=info.get("url", ""),
        licence=info.get("licence", ""),
        date=info.get("data_date") or _("unknown date"),
        origin=origin,
    )
