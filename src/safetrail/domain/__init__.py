"""Domain layer: vocabularies and value types, pure Python with no file, network or database I/O.

* ``vocab``: tactics, channels, impacts, severity tiers and the fear scale.
* ``identifiers``: phone numbers, email addresses and handles in a canonical form.
* ``when``: when an incident happened, with its time zone and precision.
* ``exif``: date, place and camera read from a photo's metadata (from a file object).
"""

from safetrail.domain.exif import ExifInfo, read_exif
from safetrail.domain.identifiers import (
    Identifier,
    IdentifierKind,
    normalise_email,
    normalise_handle,
    normalise_phone,
    parse_identifier,
)
from safetrail.domain.vocab import (
    CHANNELS,
    FEAR_LEVELS,
    IMPACTS,
    TACTICS,
    Channel,
    Impact,
    SeverityTier,
    Tactic,
    channel,
    impact,
    tactic,
    validate_fear,
)
from safetrail.domain.when import OccurredAt, Precision, parse_when

__all__ = [
    "CHANNELS",
    "FEAR_LEVELS",
    "IMPACTS",
    "TACTICS",
    "Channel",
    "ExifInfo",
    "Identifier",
    "IdentifierKind",
    "Impact",
    "OccurredAt",
    "Precision",
    "SeverityTier",
    "Tactic",
    "channel",
    "impact",
    "normalise_email",
    "normalise_handle",
    "normalise_phone",
    "parse_identifier",
    "parse_when",
    "read_exif",
    "tactic",
    "validate_fear",
]
