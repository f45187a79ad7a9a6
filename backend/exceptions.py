"""DRF exception handler: one JSON error shape for the REST API.

Field errors are DRF's ``{field: [messages]}`` dicts; everything else is
``{"detail": ...}``. Core errors raised by services (Django's
``ValidationError``, ``ObjectDoesNotExist``) are translated here, so views
never catch them one by one.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from .errors import (
    CACHE_UNAVAILABLE,
    DATABASE_UNAVAILABLE,
    RETRY_AFTER,
    STATEMENT_TIMEOUT,
    STATEMENT_TIMEOUT_CODE,
    is_cache_unavailable,
)
from .middleware import is_connection_error, is_statement_timeout

logger = logging.getLogger(__name__)

NOT_FOUND = "Not found."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = DATABASE_UNAVAILABLE
    default_code = "service_unavailable"


class StatementTimeout(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = STATEMENT_TIMEOUT
    default_code = STATEMENT_TIMEOUT_CODE


def translate_core_exception(exc: Exception) -> Exception:
    """Map exceptions raised outside DRF to DRF's APIException family."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, ObjectDoesNotExist):
        # One body for "missing" and "not yours", so existence never leaks.
        return exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if is_connection_error(exc):
        logger.warning("database unavailable: %s", exc)
        return ServiceUnavailable()
    if is_statement_timeout(exc):
        logger.warning("statement timeout: %s", exc)
        return StatementTimeout()
    if is_cache_unavailable(exc):
        logger.warning("cache unavailable: %s", exc)
        return ServiceUnavailable(CACHE_UNAVAILABLE)
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = translate_core_exception(exc)
    if isinstance(exc, exceptions.NotFound):
        exc = exceptions.NotFound(NOT_FOUND)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, ServiceUnavailable | StatementTimeout):
        response["Retry-After"] = RETRY_AFTER
    if response is not None and isinstance(exc, StatementTimeout):
        response.data["code"] = STATEMENT_TIMEOUT_CODE
    return response
