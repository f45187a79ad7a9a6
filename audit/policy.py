"""Who may read history: a project's owner all of that project's, every user their own rows'.

"Their own rows": rows whose first foreign key to the user model is them
(the author of an example, the owner of a project, the member of a
membership, the invitee of an invitation). Members other than the owner do
not read a project's history: it names who did what, which is the owner's
to oversee. Nobody writes history through any surface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from api.models import Project
from api.policy import VIEW, in_subquery, register

from .models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class AuditEntryPolicy:
    def condition(self, user: AbstractBaseUser, action: str) -> Q | None:
        if action != VIEW:
            return None
        owned = Project.objects.filter(owner_id=user.pk).order_by().values("pk")
        return Q(row_owner_id=user.pk) | in_subquery("project_id", owned)


register(AuditEntry, AuditEntryPolicy())
