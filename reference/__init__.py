"""The graphene-django reference: the contract's read queries, answered a second way.

A second GraphQL implementation of ``me``, ``example`` and ``examples`` over
the product's own models and read rule, that the Strawberry schema is checked
(tests/parity) and benchmarked (``make bench``) against. It is never part of
the product: it runs in its own virtual environment (``reference/.venv``,
``make reference``; graphene-django needs graphql-core < 3.3, the product runs
3.3) as a server process of its own (gunicorn, ``reference.wsgi``) over the
same database, and it is reached only over HTTP. The product's environment
cannot import graphene (tests/parity/test_isolation.py).
"""
