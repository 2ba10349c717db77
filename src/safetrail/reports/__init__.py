"""What leaves the vault for police, lawyers, courts and providers.

    model.py         the chosen part of the log, gathered once, without private notes
    findings.py      what the analysis found (the same objects the Patterns page shows)
    messages.py      imported messages and calls, with the export each came from
    typeset.py       a small, fast PDF layout layer over fpdf2 (wrapping, tables, CJK fallback)
    pdf_report.py    the full report
    police_sheet.py  the one-page police report preparation sheet
    letters.py       letters filled from the log (no-contact notice, platform, call records)
    bundle.py        the case bundle: zip + SHA256SUMS + signature, optionally encrypted
    schema.py        the JSON export's documented schema

Every file made here is recorded in the ledger as an ``export`` record with its SHA-256.
"""
