"""One HTTP POST, the way every HTTP channel needs it: no redirects, a timeout, and
a clear split between answers worth retrying and answers that will never change."""

from __future__ import annotations

import contextlib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping

from safetrail.checkins.channels.base import SEND_TIMEOUT_SECONDS, DeliveryError

RETRYABLE_STATUS = frozenset({401, 403, 408, 409, 425, 429})  # 401/403: credentials can be fixed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect would resend private details somewhere unplanned


def _opener() -> urllib.request.OpenerDirector:
    context = ssl.create_default_context()
    return urllib.request.build_opener(_NoRedirects(), urllib.request.HTTPSHandler(context=context))


def post(
    url: str, body: bytes, headers: Mapping[str, str], timeout: float = SEND_TIMEOUT_SECONDS
) -> str:
    """POST ``body``; return "HTTP <status>" on 2xx, raise ``DeliveryError`` otherwise."""
    request = urllib.request.Request(url, data=body, method="POST", headers=dict(headers))
    try:
        with _opener().open(request, timeout=timeout) as response:
            status = int(response.status)
            with contextlib.suppress(OSError):  # the answer is in; a slow body changes nothing
                response.read(65536)
    except urllib.error.HTTPError as exc:
        status = exc.code
        with exc:
            detail = exc.read(300).decode("utf-8", "replace").strip()
        permanent = status < 500 and status not in RETRYABLE_STATUS
        raise DeliveryError(f"HTTP {status} {exc.reason}: {detail}".strip(), permanent) from None
    except OSError as exc:  # URLError, timeouts and refused connections
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"could not connect: {reason}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}: not a success answer", permanent=status < 500)
    return f"HTTP {status}"
