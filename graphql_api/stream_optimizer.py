"""strawberry-django's optimizer for subscription events too (strawberry-django issue #941).

``DjangoOptimizerExtension`` makes itself current (the ``optimizer`` context
variable that ``StrawberryDjangoField.get_queryset`` reads) in
``on_execute``. For a subscription Strawberry runs ``on_execute`` around
creating the event stream only, not around resolving each event, so an
event's ``example { owner { ... } project { ... } }`` was fetched one query
per relation (an N+1 per socket per event) and without the optimizer's
handling of nested lists, unlike the same selection in a query.

This subclass also makes itself current around each field's resolution in a
subscription, so an event is resolved exactly as a query resolves it. The
context variable is strawberry-django's own (not a public API): the one
place it is touched is here, and tests/live/test_delivery_cost.py fails if
an upgrade renames it or the event selection stops being one query.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from graphql import GraphQLResolveInfo, OperationType
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.optimizer import optimizer as current_optimizer


class StreamingDjangoOptimizerExtension(DjangoOptimizerExtension):
    def resolve(self, next_: Callable, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        if info.operation.operation is not OperationType.SUBSCRIPTION or current_optimizer.get() is not None:
            return super().resolve(next_, root, info, *args, **kwargs)
        token = current_optimizer.set(self)
        try:
            result = super().resolve(next_, root, info, *args, **kwargs)
        finally:
            current_optimizer.reset(token)
        if inspect.isawaitable(result):
            return self._awaited_as_current(result)
        return result

    async def _awaited_as_current(self, result: Awaitable[Any]) -> Any:
        # The field's queryset hook runs when its awaitable is awaited (sync_to_async
        # copies the context then), after resolve() has returned.
        token = current_optimizer.set(self)
        try:
            return await result
        finally:
            current_optimizer.reset(token)
