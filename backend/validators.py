"""Text validators shared by every model that stores user-supplied text."""

from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

# PostgreSQL cannot store NUL in text columns; refusing it at validation time
# turns a database error (a 500) into a field error (a 400), on both databases.
prohibit_null_characters = ProhibitNullCharactersValidator()


def prohibit_blank(value: str) -> None:
    """Refuse text that is empty once whitespace is ignored (a title of "   ")."""
    if isinstance(value, str) and not value.strip():
        raise ValidationError("This field cannot be blank.", code="blank")
