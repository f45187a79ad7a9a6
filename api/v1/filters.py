"""Query parameters of `GET /api/v1/examples/`.

Each parameter is parsed here and applied through ``ExampleQuerySet``; none
of them narrows by owner (``visible_to`` in the view already did). Invalid
values make the FilterSet invalid, which DjangoFilterBackend answers with a
400 ``{parameter: [messages]}``. ``ordering`` is not here: it is the same
for every list (api.v1.ordering).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError as DRFValidationError

from api import policy
from api.datetimes import INVALID_MESSAGE, OUT_OF_RANGE_MESSAGE, DateTimeOutOfRange, as_utc
from api.models import ExampleModel, Project
from api.querysets import SEARCH_MAX_LENGTH, ExampleQuerySet, parse_pk
from api.search import TooManySearchTerms, check_term_count, count_terms

from .ordering import PARAMETER as ORDERING_PARAMETER
from .ordering import ordering_keys
from .pagination import CursorPagination

CURSOR_PARAMETER = CursorPagination.cursor_query_param


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time (naive means UTC) that the database can store.

    Python parses "0001-01-01T00:00:00+01:00", but it lies before year 1 in
    UTC; converting it for the query would raise OverflowError (a 500).
    """

    default_error_messages = {
        "invalid": INVALID_MESSAGE,
        "out_of_range": OUT_OF_RANGE_MESSAGE,
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return as_utc(result)
        except DateTimeOutOfRange:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None


class UTCIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCIsoDateTimeField


INVALID_ID = "Enter a valid id (a positive integer)."


class IdField(forms.CharField):
    """A client-supplied id (``parse_pk``): digits only, within BIGINT; anything else is a 400."""

    default_error_messages = {"invalid": INVALID_ID}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        pk = parse_pk(value)
        if pk is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return pk


class IdFilter(filters.Filter):
    field_class = IdField


def validate_term_count(value: str) -> None:
    """A form error (so a 400 beside the other parameters' errors) past ``SEARCH_MAX_TERMS`` words."""
    try:
        check_term_count(count_terms(value))
    except TooManySearchTerms as exc:
        raise ValidationError(str(exc), code="too_many_terms") from None


class ExampleFilter(filters.FilterSet):
    search = filters.CharFilter(
        method="filter_search",
        # A method filter has no model field to take its label from: django-filter
        # would show "[invalid name]" in the browsable API's Filters dialog.
        label="Search (title or content)",
        max_length=SEARCH_MAX_LENGTH,
        validators=[validate_term_count],
        help_text=(
            "Only examples matching these words. On PostgreSQL, full-text search over title and "
            'content (web search syntax: words, `"a phrase"`, `or`, `-word`; words are '
            "stemmed, so `run` finds `running`), best match first on offset pages without `ordering`. On SQLite, the title contains the "
            f"text (case-insensitive). At most {SEARCH_MAX_LENGTH} characters and "
            "`SEARCH_MAX_TERMS` words (default 8); more is a 400."
        ),
    )
    created_after = UTCIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text=(
            "Only examples created at or after this ISO 8601 date-time "
            "(e.g. `2024-01-31T12:00:00Z`; without an offset it is UTC)."
        ),
    )
    created_before = UTCIsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lte",
        help_text="Only examples created at or before this ISO 8601 date-time (without an offset it is UTC).",
    )
    # Sync filters: what changed since a client last looked (created or edited).
    updated_after = UTCIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "Only examples changed (created or edited) at or after this ISO 8601 date-time "
            "(e.g. `2024-01-31T12:00:00.123456+01:00`; without an offset it is UTC). Pass the "
            "largest `updated_at` seen to fetch what changed since (the rows of that very instant "
            "come again: merge by id). Deleted examples do not appear."
        ),
    )
    updated_before = UTCIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="lte",
        help_text="Only examples last changed at or before this ISO 8601 date-time (without an offset it is UTC).",
    )
    project = IdFilter(
        method="filter_project",
        help_text=(
            "Only examples in this project (its id). A project the caller cannot see matches "
            "nothing, like one that does not exist; a value that is not an id is a 400."
        ),
    )

    class Meta:
        model = ExampleModel
        # Only the parameters declared above; none generated from model fields.
        fields: list[str] = []

    def filter_project(self, queryset: ExampleQuerySet, name: str, value: int) -> ExampleQuerySet:
        # Through the policy, as a subquery of the same query (no query of its
        # own): an author removed from a project no longer finds it here.
        visible = Project.objects.restrict(self.request.user, policy.VIEW).order_by().values("pk")
        return queryset.filter(project_id=value, project_id__in=visible)

    def filter_search(self, queryset: ExampleQuerySet, name: str, value: str) -> ExampleQuerySet:
        rows = queryset.search(value)
        # Best match first only where the order is ours to choose: no `ordering`
        # (which replaces it anyway) and no cursor (a keyset page is ordered by
        # a timestamp it can compare). GraphQL's `examples` follows the same rule.
        params = self.request.query_params
        if params.get(ORDERING_PARAMETER) or CURSOR_PARAMETER in params:
            return rows
        return rows.ranked_by(value)


class ListFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, whose 400 also names a refused ``ordering``.

    ``ordering`` is read by its own backend (api.v1.ordering), after this one;
    without this a client would learn of a bad filter and a bad ordering in
    two round trips instead of one ``{parameter: [messages]}``.
    """

    def filter_queryset(self, request, queryset, view):
        try:
            return super().filter_queryset(request, queryset, view)
        except DRFValidationError as exc:
            allowed = getattr(view, "ordering_fields", ())
            if allowed and isinstance(exc.detail, dict):
                try:
                    ordering_keys(request, allowed)
                except DRFValidationError as ordering:
                    exc.detail.update(ordering.detail)
            raise
