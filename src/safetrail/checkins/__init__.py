"""Check-ins: the buddy system, automated, with alerts that do not fail when it matters.

A check-in is a plan (where, with whom, expected by) with a deadline. Before it the
person gets reminders; after it plus a grace period, trusted contacts are alerted
one at a time until one acknowledges (a link or reply code in the alert) or the
list ends. The duress code checks in exactly like the normal code on screen and
silently alerts everyone at once.

Modules::

    model       record data shapes: contacts, plans, alert settings (kept in the vault)
    tables      mutable scheduling state: schedule rows, the outbox, ack token hashes
    scheduler   one ``tick``: acknowledgements, due check-ins, then the outbox
    alerts      raising, escalating, acknowledging, resolving (records + outbox, no I/O)
    outbox      claim → send → mark, leases, back-off, idempotency keys
    messages    the words of every message, written at send time
    acks        link tokens, reply codes, the sealed inbox for the open /ack pages
    channels/   smtp, webhook (Standard Webhooks signature), sms (provider HTTP API)
    codes       check-in and duress codes (scrypt hashes)
    deadline    reading "check in by 21:30" / "in 2h"
    runner      ``safetrail daemon`` and the web app's scheduler task

Delivery guarantee (precisely)
------------------------------
Every decision (raise an alert, alert the next contact, record an acknowledgement,
record a delivery) is one database transaction together with its records and
ledger entries. Each outgoing message is an outbox row with a unique idempotency key
derived from (purpose, alert or check-in, contact, channel, address). Sending is
*claim* (a short transaction: the row becomes ``sending`` under this worker's lease;
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) → *send*
(outside any transaction, carrying the key as the email ``Message-ID``, the webhook
``webhook-id`` / ``Idempotency-Key``, the SMS request's ``Idempotency-Key``) →
*mark* (``sent`` and a delivery entry on the alert record; or back-off; or ``failed``).

* At least once: a message is retried (30 s doubling to 10 min, for 24 h) until the
  receiver takes it or refuses it for good, as long as some SafeTrail process holds
  the unlocked vault. A worker that dies mid-send loses nothing: its rows are taken
  over when the 2-minute lease ends, or at once by a worker on the same computer
  that sees the process is gone (another boot id, or no such pid).
* Never resent once recorded: only the lease holder sends a row, and a row marked
  ``sent`` is never claimed again; two workers never hold the same row.
* Exactly once as the receiver sees it: the only repeat possible is when the receiver
  accepted a message and its sender died (or lost the lease) before committing
  ``sent``, a window of milliseconds. The repeat carries the same key, so receivers
  that de-duplicate by key (webhook receivers honouring ``webhook-id``, mail systems
  collapsing identical ``Message-ID``s, SMS gateways honouring ``Idempotency-Key``)
  see it once; one that ignores the key may show that message twice. Never zero.

Limitation: everything here is encrypted with the vault key, so alerts can only be
sent while some SafeTrail process (``safetrail daemon``, or the unlocked web app)
holds the vault unlocked. See docs/checkins.md.
"""
