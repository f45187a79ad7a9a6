"""A deliberately wrong Comment policy (the policy worlds' bite): it forgets examples outside any project.

Comments are seen only in projects the caller sees, so the author of an example in no project
cannot read the comments on it. The matrix's world is one shared project, where this rule and the
right one agree; tests/matrix/test_policy_worlds.py must catch it.
"""

from __future__ import annotations

from django.db.models import Q

from api import policy
from api.models import Project


class ForgetfulCommentPolicy:
    def condition(self, user, action: str) -> Q | None:
        if action == policy.VIEW:
            visible = Project.objects.restrict(user, policy.VIEW).order_by().values("pk")
            return policy.in_subquery("example__project_id", visible)
        return policy.CommentPolicy().condition(user, action)  # the rest as the product's
