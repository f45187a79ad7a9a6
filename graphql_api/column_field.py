"""The one override of strawberry-django internals this schema keeps: plain columns as "basic" fields.

strawberry-django marks every field as needing a resolver (its
``is_basic_field`` is documented as always false), so each of them builds an
``Info``, parses (no) arguments and runs a chain of wrappers, for every field
of every row. A plain column (no resolver, no field extension, not a
relation) needs none of that: as a "basic" field, Strawberry calls
``get_result`` directly, which reads the same attribute. Which columns are
fetched is unchanged: the optimizer plans from the type, not from resolvers.

Kept because it is measured (docs/decisions/0003-strawberry-per-field-work.md):
without it a 100-row list costs about 30% more CPU. There is no public
switch for this in strawberry-django. What it relies on, and the tests that
fail loudly when an upgrade changes it (tests/graphql/test_column_field.py):

- Strawberry builds a resolver that calls ``field.get_result(source, info=None,
  args=[], kwargs={})`` for a field whose ``is_basic_field`` is true;
- strawberry-django's ``StrawberryDjangoField.get_result(source, info, args,
  kwargs)`` works with ``info=None`` for a field without a resolver (it reads
  the attribute, loading a deferred column, wrapping a file);
- fields with an extension (permissions) or a relation are never basic
  here, nor are resolvers, except a sync one of ``root`` alone that returns
  a plain scalar (``PublicUser.name``): it is called with the row through
  strawberry-django's ``safe_resolver`` (a thread when async);
  ``graphql_api.base.PolicyField`` adds forward relations to public types.

Every field type a team is likely to add is tested there on a throwaway
model: a foreign key, a file, a computed property, a resolver, a deferred column.
"""

from __future__ import annotations

from django.db.models import FileField
from django.db.models.query_utils import DeferredAttribute
from strawberry_django.fields.field import StrawberryDjangoField

_MISSING = object()
# What a root-only resolver may return and still run as a basic field: the
# plain scalars the leaf executor (graphql_api.executor) completes itself.
ROOT_RESOLVER_TYPES = (str, int, float, bool)


class ColumnField(StrawberryDjangoField):
    """A field that reads one column of a row strawberry-django already loaded."""

    @property
    def is_basic_field(self) -> bool:
        if self.extensions or self.is_relation:
            return False
        return self.base_resolver is None or self._root_only_scalar_resolver()

    def _root_only_scalar_resolver(self) -> bool:
        """A sync resolver of ``root`` alone (no info, no arguments) that returns a plain scalar.

        Such a resolver (``PublicUser.name``) needs no ``Info`` either: run as
        a basic field it is called with the row alone, through the same
        ``safe_resolver`` strawberry-django uses (a thread when async).
        """
        resolver = self.base_resolver
        if resolver is None or resolver.is_async or resolver.root_parameter is None:
            return False
        only_root = len(resolver.signature.parameters) == 1
        return only_root and self.type in ROOT_RESOLVER_TYPES

    def get_result(self, source, info, args, kwargs):
        # A loaded plain column is an attribute read. Anything else (a deferred
        # column, a file, a property) takes the full path. This runs for every
        # field of every row, so the per-model answer is one dict lookup.
        if source is not None:
            try:
                attname = self._plain_columns[type(source)]
            except (AttributeError, KeyError):
                attname = self._learn_plain_column(type(source))
            if attname is not None:
                value = source.__dict__.get(attname, _MISSING)
                if value is not _MISSING:
                    return value
        if info is None and self.base_resolver is not None:  # a basic root-only resolver
            return self.safe_resolver(**{self.base_resolver.root_parameter.name: source})
        return self.get_full_result(source, info, args, kwargs)

    def get_full_result(self, source, info, args, kwargs):
        """strawberry-django's own path; subclasses add to it here, not in ``get_result``."""
        return super().get_result(source, info, args, kwargs)

    def _learn_plain_column(self, model: type) -> str | None:
        """The attribute of ``model`` this field reads when it is a plain column, else None."""
        attribute = getattr(model, self.django_name or self.python_name, None)
        plain = (
            self.is_basic_field
            and isinstance(attribute, DeferredAttribute)
            and not isinstance(attribute.field, FileField)
        )
        attname = attribute.field.attname if plain else None
        # One entry per model this field has served; fields and models live as long as the schema.
        self.__dict__.setdefault("_plain_columns", {})[model] = attname
        return attname
