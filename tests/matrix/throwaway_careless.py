"""The throwaway resource's routes with an update that moves a note with ADD alone (the transfer probes' bite)."""

from .throwaway import CarelessMoveNoteViewSet, _urls

urlpatterns = _urls(CarelessMoveNoteViewSet)
