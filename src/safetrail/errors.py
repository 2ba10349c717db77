"""One error tree for SafeTrail.

Every error carries a plain message (what happened) and a hint (what to do next).
The CLI and the web app map these to exit codes / HTTP responses (each class's
``exit_code`` and ``http_status``; the web app has one handler that reads it); nothing
else is shown to the person.

    SafetrailError
    ├── VaultError
    │   ├── VaultNotFound          no vault where one was expected
    │   ├── VaultExists            init on top of an existing vault
    │   ├── HeaderError            header missing, truncated, corrupt, foreign or too new
    │   ├── WrongPassphrase        the passphrase does not unlock this vault
    │   ├── WeakPassphrase         refused at init / passwd
    │   ├── VaultBusy              another program holds the vault too long
    │   ├── DatabaseCorrupt        the encrypted database cannot be read
    │   │   └── VaultDatabaseMissing  vault.db is missing or empty beside a vault header
    │   ├── VaultDatabaseMismatch  vault.db does not continue the chain the checkpoint signed
    │   ├── DiskFull               no space left where the vault (or an output) is written
    │   └── ReadOnlyVault          the vault folder cannot be written; only reading works
    ├── EvidenceError
    │   ├── EvidenceMissing        a stored blob is gone
    │   ├── EvidenceDamaged        a stored blob fails authentication
    │   └── InputFileError         a file given to SafeTrail cannot be read
    ├── RecordError
    │   ├── RecordNotFound         no record with that id / exhibit number
    │   ├── RecordVoided           the record was voided; amend is refused
    │   └── ValidationError        a field value is not acceptable
    ├── BackupError                a backup file is damaged, foreign or from another vault
    ├── ConfigError                an unsafe or invalid setting
    ├── NotSignedIn                server mode: no valid session (HTTP 401)
    ├── Forbidden                  server mode: signed in, but this is not yours to do (403)
    ├── TimestampError             a trusted timestamp cannot be made or does not check out
    └── DeviceCheckError           the phone check cannot go on
        ├── AdbMissing             Android platform-tools (adb) are not installed
        ├── DeviceNotReady         no phone, several phones, or the phone has not allowed access
        └── DeviceInputError       a saved listing, tool folder or indicator file cannot be used
"""

from __future__ import annotations


class SafetrailError(Exception):
    """Base of every error SafeTrail reports to a person."""

    exit_code = 1
    http_status = 400
    default_hint = "Check what was entered and try again."

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message


class VaultError(SafetrailError):
    exit_code = 2


class VaultNotFound(VaultError):
    default_hint = "Create a vault with 'safetrail init', or point to yours with --vault PATH."


class VaultExists(VaultError):
    default_hint = "Use the existing vault, or choose another place with --vault PATH."


class HeaderError(VaultError):
    default_hint = (
        "Restore the vault from a backup with 'safetrail restore FILE --vault NEW_PATH'. "
        "Do not delete the damaged vault: it may still be recoverable."
    )


class WrongPassphrase(VaultError):
    exit_code = 3
    default_hint = "Check the passphrase (capital letters, keyboard layout) and try again."


class WeakPassphrase(VaultError):
    default_hint = "Use at least 10 characters; a few unrelated words work well."


class VaultBusy(VaultError):
    exit_code = 4
    http_status = 409
    default_hint = "Another SafeTrail window or command is using the vault. Close it and try again."


class DatabaseCorrupt(VaultError):
    default_hint = (
        "Restore from a backup with 'safetrail restore FILE --vault NEW_PATH'. "
        "Keep the damaged vault: do not delete it."
    )


class VaultDatabaseMissing(DatabaseCorrupt):
    exit_code = 10
    default_hint = (
        "Nothing was changed. Restore from a backup with "
        "'safetrail restore FILE --vault NEW_FOLDER', and keep this folder as it is."
    )


class VaultDatabaseMismatch(VaultError):
    exit_code = 10
    default_hint = (
        "Nothing was changed; you can still read and verify the vault. Restore from a backup "
        "with 'safetrail restore FILE --vault NEW_FOLDER', and keep this folder as it is."
    )


class DiskFull(VaultError):
    """Not damage: the drive is full. Carries the place and, when known, the space needed."""

    exit_code = 11
    http_status = 503
    default_hint = "Free some space on that drive (or move the vault), then try again."


class ReadOnlyVault(VaultError):
    exit_code = 12
    http_status = 503
    default_hint = (
        "You can still read, verify, report and back up. To make changes, open the vault "
        "from a folder you can write to (copy it, or mount the drive read-write)."
    )


class EvidenceError(SafetrailError):
    exit_code = 5


class EvidenceMissing(EvidenceError):
    default_hint = (
        "Restore the vault from a backup; run 'safetrail verify' to list what is missing."
    )


class EvidenceDamaged(EvidenceError):
    default_hint = (
        "Restore the vault from a backup; run 'safetrail verify' to list what is damaged."
    )


class InputFileError(EvidenceError):
    default_hint = "Check that the file exists and that you are allowed to read it."


class RecordError(SafetrailError):
    exit_code = 6


class RecordNotFound(RecordError):
    http_status = 404
    default_hint = "Check the reference (for example I-0003, P-001 or EX-0002) in the lists."


class RecordVoided(RecordError):
    default_hint = "A voided record stays in the history but cannot be changed."


class ValidationError(RecordError):
    default_hint = "Correct the value and try again."


class BackupError(SafetrailError):
    exit_code = 7
    default_hint = "Check that this is a SafeTrail backup file and that it was copied completely."


class TimestampError(SafetrailError):
    exit_code = 13
    default_hint = (
        "Nothing in your log was changed. Check the network and the timestamp servers in "
        "'safetrail settings', then try again."
    )


class ConfigError(SafetrailError):
    exit_code = 8
    default_hint = "Correct the setting and start SafeTrail again."


class NotSignedIn(SafetrailError):
    """Server mode: the request carries no valid session (never seen in the personal app)."""

    exit_code = 14
    http_status = 401
    default_hint = "Sign in again."


class Forbidden(SafetrailError):
    """Server mode: signed in, but this account may not do this (a wrong role)."""

    exit_code = 15
    http_status = 403
    default_hint = "Ask the person who runs this SafeTrail server if you need this."


class DeviceCheckError(SafetrailError):
    exit_code = 9
    default_hint = "Check the phone's connection and try again, or ask an advocate to help."


class AdbMissing(DeviceCheckError):
    default_hint = (
        "Install Android platform-tools (on Debian or Ubuntu: 'sudo apt install adb'; "
        "elsewhere from the Android developers' website), then try again."
    )


class DeviceNotReady(DeviceCheckError):
    default_hint = "Follow the steps in 'safetrail device guide' and try again."


class DeviceInputError(DeviceCheckError):
    default_hint = "Check that the folder or file is the one you meant, and that it is complete."
