"""Trusted timestamps (RFC 3161) of the ledger head: proof of when the log was as it is.

* ``rfc3161``: the protocol (request, response, checking a token), pure bytes.
* ``service``: the opt-in setting, stamping the head, the stored tokens, bundle files.
"""
