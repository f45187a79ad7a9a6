"""Text validators shared by every model that stores user-supplied text."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Model

# PostgreSQL cannot store NUL in text columns; refusing it at validation time
# turns a database error (a 500) into a field error (a 400), on both databases.
prohibit_null_characters = ProhibitNullCharactersValidator()


def prohibit_blank(value: str) -> None:
    """Refuse text that is empty once whitespace is ignored (a title of "   ")."""
    if isinstance(value, str) and not value.strip():
        raise ValidationError("This field cannot be blank.", code="blank")


def reject_nulls(model: type[Model], data: Mapping[str, object]) -> None:
    """A field error for each None in ``data`` given to a column that cannot hold NULL.

    ``Model.full_clean`` skips a ``blank=True`` field whose value is empty, and
    None counts as empty, so without this a null ``content`` or ``bio`` would
    pass validation and fail in the database (an IntegrityError, a 500).
    """
    errors = {
        name: [ValidationError(field.error_messages["null"], code="null")]
        for name, value in data.items()
        if value is None and not (field := model._meta.get_field(name)).null
    }
    if errors:
        raise ValidationError(errors)
