#!/usr/bin/env python
"""Django's command-line utility. Defaults to development settings."""

import os
import sys


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "test":
        # `manage.py test` runs the pytest suite, which always uses test settings.
        os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings.test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.development")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from backend.test_runner import MissingTestTools

    try:
        execute_from_command_line(sys.argv)
    except MissingTestTools as exc:
        # `manage.py test` after `pip install -r requirements.txt` only.
        sys.stderr.write(f"{exc}\n")
        sys.exit(2)
    except ImproperlyConfigured as exc:
        # A configuration mistake (a missing environment variable, say) is
        # reported in one line, not as a traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
