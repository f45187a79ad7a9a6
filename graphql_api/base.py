"""The base every GraphQL type of a model is built on: reads go through the policy (api.policy).

``PolicyType.get_queryset`` is ``restrict(queryset, caller, VIEW)``.
strawberry-django runs a type's ``get_queryset`` for root fields and, with the
optimizer's ``prefetch_custom_queryset=True`` (graphql_api.schema), for every
nested prefetch of a list of that type, so a list added under any other type
cannot skip the rule (NetBox #17310). A model with no registered policy
raises ``ImproperlyConfigured`` on its first read (fail closed).

Two gaps strawberry-django leaves, closed here for every type at once:

- A forward foreign key (``Example.project``) is not filtered by the target
  type's ``get_queryset`` when it is read lazily (a mutation's result, a
  resolver's instance): Django just follows the id. ``PolicyField`` resolves
  an unloaded forward relation to a policy type through that type's
  ``get_queryset`` instead, so a row the caller may not see answers null
  (NetBox #18081 is the non-null variant of the same trap: such relations
  must be declared nullable). A loaded relation is trusted: the optimizer
  loads relations to types with a ``get_queryset`` by a ``Prefetch`` through
  it (tests/graphql/test_projects.py pins this), and the services only cache
  rows they looked up through the policy.
- A nested paginated list is cut by the optimizer's window functions from the
  raw ``pagination`` argument, before any field extension (PageRule) has
  clamped it. ``PolicyField.get_queryset`` clamps it first (``api.paging``:
  default 20, at most 100), so a nested page costs what a root page does.

``check_schema_types`` walks a built schema and refuses any type of a model
that is neither a ``PolicyType`` nor a declared projection (``PUBLIC_TYPES``):
a type added without the base fails at import, not in production.
"""

from __future__ import annotations

import functools
from typing import Any

import strawberry_django
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from strawberry import UNSET
from strawberry.types import Info
from strawberry.types.nodes import SelectedField
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.pagination import OffsetPaginationInput, apply_window_pagination
from strawberry_django.utils.typing import get_django_definition

from api.paging import PageError, parse_page
from api.policy import VIEW, restrict

from .column_field import ColumnField
from .context import viewer
from .pagination import CountedWithParent, OffsetPaginated, nested_total_name, page_error


class PolicyType:
    """Mixin of every strawberry_django type of a model: the caller sees what the policy lets them view."""

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return restrict(queryset, viewer(info), VIEW)


def _is_policy_type(type_: object) -> bool:
    return isinstance(type_, type) and issubclass(type_, PolicyType)


class PolicyField(ColumnField):
    """A field of a ``PolicyType``: forward relations and nested pages go through the policy."""

    def _restricted_forward_relation(self, source: models.Model) -> models.ForeignKey | None:
        """The forward FK this field reads when its target type is a policy type, else None."""
        if self.base_resolver is not None or not self.is_relation or self.__dict__.get("declared"):
            return None
        try:
            field = type(source)._meta.get_field(self.django_name or self.python_name)
        except FieldDoesNotExist:  # a property or a resolver's name: strawberry-django's path decides
            return None
        if not (field.many_to_one or field.one_to_one) or field.auto_created:
            return None
        return field if _is_policy_type(self.django_type) else None

    @property
    def is_basic_field(self) -> bool:
        """Plain columns (``ColumnField``) and forward relations to a public type.

        A forward foreign key to a ``public_type`` (``Example.owner``,
        ``ProjectMember.user``) reads the related row the optimizer already
        joined, as strawberry-django's own path does without an ``Info``
        (an unloaded one is read lazily there too, in a thread when async).
        As a basic field it skips Strawberry's per-field ``Info``, argument
        parsing and extension chain: under a nested list that is one field
        per row. A relation to a policy type is never basic:
        ``get_full_result`` needs the ``Info`` to reach its ``get_queryset``.
        """
        if super().is_basic_field:
            return True
        definition = get_django_definition(self.origin) if isinstance(self.origin, type) else None
        if self.base_resolver is not None or self.extensions or definition is None:
            return False
        try:
            field = definition.model._meta.get_field(self.django_name or self.python_name)
        except FieldDoesNotExist:
            return False
        forward = (field.many_to_one or field.one_to_one) and not field.auto_created
        return bool(forward) and self.django_type in PUBLIC_TYPES

    def get_full_result(self, source, info, args, kwargs):
        # Only fields that are not plain columns get here (ColumnField.get_result).
        if source is not None and info is not None:
            relation = self._restricted_forward_relation(source)
            if relation is not None and not relation.is_cached(source):
                key = getattr(source, relation.attname)
                if key is None:
                    return None
                # Through the hook: the target type's get_queryset (the policy), then
                # the optimizer, then .first(): an invisible row answers null.
                queryset = relation.related_model._default_manager.filter(pk=key)
                return self.get_queryset_hook(info=info)(queryset)
        return super().get_full_result(source, info, args, kwargs)

    def get_queryset(self, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        related_field_id = kwargs.get("_strawberry_related_field_id")
        if self.is_paginated and related_field_id is not None:
            queryset = _clamp_nested_page(queryset, kwargs, related_field_id)
        return super().get_queryset(queryset, info, **kwargs)


def _clamp_nested_page(queryset: QuerySet, kwargs: dict[str, Any], related_field_id: str) -> QuerySet:
    """Make the optimizer's window pagination of a nested page use the page ``api.paging`` allows.

    The optimizer cuts the prefetch with the ``pagination`` object it passed
    here, after this returns: a given one is clamped in place. With none, it
    would fetch every row of every parent, so this cuts the default page
    itself (the optimizer's own pass then only re-annotates, with no limit).
    """
    pagination = kwargs.get("pagination")
    limit = offset = None
    if isinstance(pagination, OffsetPaginationInput):
        limit = None if pagination.limit is UNSET else pagination.limit
        offset = pagination.offset
    try:
        page = parse_page(limit, offset)
    except PageError as error:
        raise page_error(error) from None
    if isinstance(pagination, OffsetPaginationInput):
        pagination.offset, pagination.limit = page.offset, page.limit
        return queryset
    return apply_window_pagination(
        queryset, related_field_id=related_field_id, offset=page.offset, limit=page.limit
    )


def _selects_total(selections: list[Any]) -> bool:
    """Whether ``totalCount`` is selected right under one of these (fragments looked through)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == "totalCount":
                return True
        elif _selects_total(selection.selections):
            return True
    return False


def _related_lookup(relation: Any) -> str:
    """The lookup from the related model back to the parent (``project`` for ``Project.examples``)."""
    if relation.many_to_many and not relation.auto_created:
        return relation.related_query_name()  # a forward many-to-many field
    return relation.remote_field.name  # a reverse foreign key or many-to-many


def _nested_total(field: StrawberryDjangoField, relation: Any, info: Info) -> Any:
    """The count of a nested page's rows as an annotation of its parent (an optimizer hint).

    One correlated subquery of the parents' own statement, through the
    related type's ``get_queryset`` (the policy): the number of SQL
    statements does not grow with the number of parents. Not added (null)
    when ``totalCount`` is not selected, or when the list is filtered (the
    filters are the field's to apply: strawberry-django then counts per parent).
    """
    selected = [s for s in info.selected_fields if isinstance(s, SelectedField)]
    if not any(_selects_total(s.selections) for s in selected) or any(
        s.arguments.get("filters") for s in selected
    ):
        return Value(None, output_field=IntegerField())
    lookup = _related_lookup(relation)
    rows = field.django_type.get_queryset(relation.related_model._default_manager.all(), info)
    counted = (
        rows.filter(**{lookup: OuterRef("pk")}).order_by().values(lookup).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _count_nested_pages_with_their_parents(decorated: type, model: type[models.Model]) -> None:
    """Give each paginated list of ``model``'s rows the ``_nested_total`` hint (see there)."""
    for field in decorated.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if not (
            isinstance(field, StrawberryDjangoField) and field.is_paginated and field.base_resolver is None
        ):
            continue
        try:
            relation = model._meta.get_field(field.django_name or field.python_name)
        except FieldDoesNotExist:
            continue
        if not (relation.one_to_many or relation.many_to_many):
            continue
        if not (isinstance(field.type, type) and issubclass(field.type, OffsetPaginated)):
            raise ImproperlyConfigured(
                f"{decorated.__name__}.{field.python_name}: a nested page must be "
                "graphql_api.pagination.OffsetPaginated, so its totalCount is counted with its parents."
            )
        annotation = nested_total_name(field.python_name)
        field.store.annotate[annotation] = functools.partial(_nested_total, field, relation)
        field.extensions.append(CountedWithParent(annotation))


def _declared_fields_as(cls: type, field_cls: type[StrawberryDjangoField]) -> None:
    """Make fields declared with ``strawberry_django.field(...)`` instances of ``field_cls`` too.

    strawberry-django's ``field_cls`` only builds the annotated-only fields;
    a declared one (``owner = strawberry_django.field(field_name="user")``)
    would otherwise skip ``PolicyField``'s forward-relation rule and the
    basic-field paths. Neither class adds state of its own, so the class is
    swapped in place.
    """
    for value in vars(cls).values():
        if type(value) is StrawberryDjangoField:
            value.__class__ = field_cls
            # Its lazy forward read stays strawberry-django's (async safe), as before the swap.
            value.__dict__["declared"] = True


def policy_type(model: type[models.Model], **options: Any):
    """``strawberry_django.type`` for a ``PolicyType`` subclass, with ``PolicyField`` fields."""

    def wrap(cls: type) -> type:
        if not _is_policy_type(cls):
            raise ImproperlyConfigured(f"{cls.__name__} must subclass graphql_api.base.PolicyType.")
        _declared_fields_as(cls, PolicyField)
        decorated = strawberry_django.type(model, field_cls=PolicyField, **options)(cls)
        _count_nested_pages_with_their_parents(decorated, model)
        return decorated

    return wrap


def public_type(model: type[models.Model], **options: Any):
    """``strawberry_django.type`` for a projection that is safe to show for any row reached.

    Only for types whose every field the contract calls public (PublicUser)
    or that are only ever the caller's own (User, Profile via ``me``); they
    are listed in ``PUBLIC_TYPES`` by this decorator.
    """

    def wrap(cls: type) -> type:
        _declared_fields_as(cls, ColumnField)
        decorated = strawberry_django.type(model, field_cls=ColumnField, **options)(cls)
        PUBLIC_TYPES.add(decorated)
        return decorated

    return wrap


PUBLIC_TYPES: set[type] = set()


def check_schema_types(schema: Any) -> None:
    """Raise ``ImproperlyConfigured`` for a served type of a model that skips the policy."""
    for definition in schema.schema_converter.type_map.values():
        origin = getattr(definition.definition, "origin", None)
        if origin is None or getattr(definition.definition, "is_input", False):
            continue  # filters, orderings and inputs read nothing
        if get_django_definition(origin) is None:
            continue
        if not (_is_policy_type(origin) or origin in PUBLIC_TYPES):
            raise ImproperlyConfigured(
                f"GraphQL type {origin.__name__} reads a model without the policy: "
                "build it with graphql_api.base.policy_type."
            )


__all__ = [
    "PUBLIC_TYPES",
    "PolicyField",
    "PolicyType",
    "check_schema_types",
    "policy_type",
    "public_type",
]
