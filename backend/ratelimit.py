"""The ``RateLimit-Policy`` and ``RateLimit`` response fields, for every throttle.

Syntax of draft-ietf-httpapi-ratelimit-headers-10 (IETF httpapi WG, the
latest draft; its editor's copy at github.com/ietf-wg-httpapi/ratelimit-headers
has the same syntax): Structured Field lists of one item per policy, the
policy's name a String:

    RateLimit-Policy: "login";q=10;w=60
    RateLimit: "login";r=7;t=42

``q`` is the quota (requests), ``w`` the window in seconds, ``r`` the requests
left now, ``t`` the seconds until more quota is available. DRF's throttles
keep a sliding log of request times, so ``t`` is when the oldest counted
request leaves the window (with ``r=0`` that is also ``Retry-After``, which a
429 keeps: DRF's ``Throttled`` sets it).

One mechanism: ``ReportsRateLimit`` (a mixin for DRF's ``SimpleRateThrottle``)
records on the request what each throttle counted, and
``RateLimitHeadersMiddleware`` writes the fields on the response, whatever
answered it (a DRF view, a 429, the admin's login form). A throttle that
counted nothing (no key: an anonymous caller on a per-account throttle; a
request that is not limited, such as a profile change without ``email``)
sends no field. tests/auth/test_ratelimit_headers.py checks that every
throttle class any route uses, and any in ``DEFAULT_THROTTLE_CLASSES``,
reports.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

QUOTAS_ATTRIBUTE = "_ratelimit_quotas"
POLICY_HEADER = "RateLimit-Policy"
LIMIT_HEADER = "RateLimit"


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int  # q
    window: int  # w, seconds
    remaining: int  # r
    reset: int  # t, seconds

    def policy_item(self) -> str:
        return f"{_sf_string(self.name)};q={self.limit};w={self.window}"

    def limit_item(self) -> str:
        return f"{_sf_string(self.name)};r={self.remaining};t={self.reset}"


def _sf_string(value: str) -> str:
    # RFC 9651 sf-string: printable ASCII, with \ and " escaped. Scopes are code, never client text.
    printable = "".join(c for c in value if 0x20 <= ord(c) <= 0x7E)
    return '"' + printable.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quota_of(throttle) -> Quota | None:
    """What a ``SimpleRateThrottle`` counted in its last ``allow_request``, or None if nothing."""
    history = getattr(throttle, "history", None)
    if history is None or not throttle.num_requests:
        return None
    now, window = throttle.now, int(throttle.duration)
    oldest = history[-1] if history else now
    return Quota(
        name=str(throttle.scope or type(throttle).__name__),
        limit=int(throttle.num_requests),
        window=window,
        remaining=max(0, throttle.num_requests - len(history)),
        reset=max(0, math.ceil(window - (now - oldest))),
    )


def _http_request(request) -> HttpRequest:
    return getattr(request, "_request", request)  # a DRF Request wraps Django's


def record(request, quota: Quota | None) -> None:
    if quota is None:
        return
    quotas: dict[str, Quota] = getattr(_http_request(request), QUOTAS_ATTRIBUTE, None) or {}
    quotas[quota.name] = quota
    setattr(_http_request(request), QUOTAS_ATTRIBUTE, quotas)


class ReportsRateLimit:
    """Mixin for a ``SimpleRateThrottle``: its quota goes out as RateLimit fields."""

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)  # type: ignore[misc]
        record(request, quota_of(self))
        return allowed


class RateLimitHeadersMiddleware:
    """Writes the quotas the throttles recorded on this request (none recorded: no fields)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        quotas: dict[str, Quota] = getattr(request, QUOTAS_ATTRIBUTE, None) or {}
        if quotas:
            ordered = sorted(quotas.values(), key=lambda q: q.name)
            response[POLICY_HEADER] = ", ".join(q.policy_item() for q in ordered)
            response[LIMIT_HEADER] = ", ".join(q.limit_item() for q in ordered)
        return response
