"""The throwaway resource's routes with a viewset that reads without the policy (the meta-test's bite)."""

from .throwaway import LeakyNoteViewSet, _urls

urlpatterns = _urls(LeakyNoteViewSet)
