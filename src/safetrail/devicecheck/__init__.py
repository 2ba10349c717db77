"""Phone check: read an Android phone (adb, or saved listings) or guide an iPhone check,
and compare what is found with published stalkerware and watchware indicators.

Parsers are pure (text → snapshot); finding the input (adb, a folder) is separate; the
service in ``safetrail.services.devicecheck`` keeps the raw listing as evidence.
"""
