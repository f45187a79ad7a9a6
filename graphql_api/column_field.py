"""The one override of strawberry-django internals this schema keeps: plain columns as "basic" fields.

strawberry-django marks every field as needing a resolver (its
``is_basic_field`` is documented as always false), so each of them builds an
``Info``, parses (no) arguments and runs a chain of wrappers, for every field
of every row. A plain column (no resolver, no field extension, not a
relation) needs none of that: as a "basic" field, Strawberry calls
``get_result`` directly, which reads the same attribute. Which columns are
fetched is unchanged: the optimizer plans from the type, not from resolvers.

Kept because it is measured (BENCHMARKS.md, "Speed-ups and their guards"):
without it a 100-row list costs about 30% more CPU. There is no public
switch for this in strawberry-django. What it relies on, and the tests that
fail loudly when an upgrade changes it (tests/graphql/test_column_field.py):

- Strawberry builds a resolver that calls ``field.get_result(source, info=None,
  args=[], kwargs={})`` for a field whose ``is_basic_field`` is true;
- strawberry-django's ``StrawberryDjangoField.get_result(source, info, args,
  kwargs)`` works with ``info=None`` for a field without a resolver (it reads
  the attribute, loading a deferred column, wrapping a file);
- fields with a resolver, an extension (permissions) or a relation are never
  basic, so they keep strawberry-django's whole path.

Every field type a team is likely to add is tested there on a throwaway
model: a foreign key, a file, a computed property, a resolver, a deferred column.
"""

from __future__ import annotations

import functools

from django.db.models import FileField
from django.db.models.query_utils import DeferredAttribute
from strawberry_django.fields.field import StrawberryDjangoField

_MISSING = object()


class ColumnField(StrawberryDjangoField):
    """A field that reads one column of a row strawberry-django already loaded."""

    @property
    def is_basic_field(self) -> bool:
        return self.base_resolver is None and not self.extensions and not self.is_relation

    def get_result(self, source, info, args, kwargs):
        # A loaded plain column is an attribute read. Anything else (a deferred
        # column, a file, a property) takes strawberry-django's path.
        if source is not None and self._reads_plain_column(type(source)):
            value = source.__dict__.get(self.django_name or self.python_name, _MISSING)
            if value is not _MISSING:
                return value
        return super().get_result(source, info, args, kwargs)

    @functools.cache  # noqa: B019 -- one entry per (field, model); both live as long as the schema
    def _reads_plain_column(self, model: type) -> bool:
        attribute = getattr(model, self.django_name or self.python_name, None)
        return (
            self.is_basic_field
            and isinstance(attribute, DeferredAttribute)
            and not isinstance(attribute.field, FileField)
        )
