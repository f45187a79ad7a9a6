"""Conditional requests on REST detail routes (RFC 9110 section 13): ETag, If-None-Match, If-Match.

An ETag here is strong and has two parts, 32 hex digits in all:

- the *row version* (``api.versions.row_version``: model, id and
  ``updated_at``, or a hash of the columns for a model without it);
- a hash of the representation this caller gets (the serialized body and
  the media type): a project's ``role`` or an author's display name can
  change without the row changing, and a 304 must never keep such a change
  from the client.

``If-None-Match`` (GET, HEAD) compares the whole tag, weakly as RFC 9110
13.1.2 says. ``If-Match`` (PUT, PATCH, DELETE) is parsed here and evaluated
by the service on the locked row (``api.versions.IfMatch``), comparing the
row-version part strongly: a write is refused when the row changed, not
when only the caller's view of its neighbours did. A weak tag (``W/"..."``)
never matches ``If-Match``.

A header that is not ``*`` or a comma-separated list of entity tags is a 400:
the client meant a condition, and guessing it would risk a lost update.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import models
from rest_framework import exceptions, status
from rest_framework.request import Request

from api import versions

BODY_HASH_LENGTH = 16
MALFORMED_MESSAGE = (
    '{header} must be * or a comma-separated list of entity tags, such as "3f2a..." '
    "(with the double quotes, as the ETag header gave it)."
)
# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text.
# Django decodes header values as latin-1, so obs-text is \x80-\xff here.
ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"[ \t]*')
LIST_SEPARATOR = re.compile(r"[ \t]*,[ \t]*")


class MalformedPrecondition(exceptions.ParseError):
    default_code = "malformed_precondition"


@dataclass(frozen=True)
class EntityTags:
    """A parsed ``If-Match`` / ``If-None-Match``: ``*``, or (weak, opaque-tag) pairs."""

    any: bool
    tags: tuple[tuple[bool, str], ...] = ()

    def strong(self) -> tuple[str, ...]:
        return tuple(tag for weak, tag in self.tags if not weak)

    def weakly_match(self, etag: str) -> bool:
        """RFC 9110 13.1.2: If-None-Match uses the weak comparison (``W/`` ignored)."""
        return self.any or any(f'"{tag}"' == etag for _, tag in self.tags)


def parse_entity_tags(value: str, header: str) -> EntityTags:
    """``value`` as RFC 9110's ``"*" / #entity-tag``, else ``MalformedPrecondition`` (400)."""
    if value.strip() == "*":
        return EntityTags(any=True)
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        separator = LIST_SEPARATOR.match(value, position)
        if separator is not None:  # empty list elements are allowed (RFC 9110 5.6.1.2)
            position = separator.end()
            continue
        match = ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            if value[position:].strip() == "":
                break
            raise MalformedPrecondition(MALFORMED_MESSAGE.format(header=header))
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
        if position < len(value) and LIST_SEPARATOR.match(value, position) is None:
            raise MalformedPrecondition(MALFORMED_MESSAGE.format(header=header))
    return EntityTags(any=False, tags=tuple(tags))


def _header(request: Request, name: str) -> str | None:
    return request.META.get("HTTP_" + name.upper().replace("-", "_"))


def if_match(request: Request) -> versions.IfMatch | None:
    """The request's ``If-Match`` as the services take it (``expected``); None without one."""
    value = _header(request, "If-Match")
    if value is None:
        return None
    parsed = parse_entity_tags(value, "If-Match")
    return versions.IfMatch(tags=parsed.strong(), any=parsed.any)


def if_none_match(request: Request) -> EntityTags | None:
    value = _header(request, "If-None-Match")
    return None if value is None else parse_entity_tags(value, "If-None-Match")


def entity_tag(instance: models.Model, data: Any, request: Request) -> str:
    """The strong ETag of ``instance`` as ``data`` shows it to this request (quoted)."""
    shown = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    media_type = getattr(request, "accepted_media_type", "") or ""
    body = hashlib.sha256(f"{media_type}\x1f{shown}".encode()).hexdigest()[:BODY_HASH_LENGTH]
    return f'"{versions.row_version(instance)}{body}"'


PRECONDITION_FAILED_CODE = "precondition_failed"


class PreconditionFailed(exceptions.APIException):
    """412 ``{"detail": ..., "code": "precondition_failed"}``: the row changed, nothing was written."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = PRECONDITION_FAILED_CODE

    def __init__(self, message: str = versions.CHANGED_MESSAGE) -> None:
        # A dict detail is the body as it is (DRF's exception handler), code included.
        super().__init__({"detail": message, "code": PRECONDITION_FAILED_CODE})
