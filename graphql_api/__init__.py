"""GraphQL at ``/graphql/``: a thin Strawberry adapter over the ``api`` and ``authentication`` cores."""
