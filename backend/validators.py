"""Text validators shared by every model that stores user-supplied text."""

from django.core.validators import ProhibitNullCharactersValidator

# PostgreSQL cannot store NUL in text columns; refusing it at validation time
# turns a database error (a 500) into a field error (a 400), on both databases.
prohibit_null_characters = ProhibitNullCharactersValidator()
