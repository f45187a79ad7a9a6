"""`/api/v1/` routes, with DRF's browsable API root at `/api/v1/`."""

from django.urls import path
from rest_framework import permissions, routers

from audit.views import HistoryView

from .views import (
    ExampleModelViewSet,
    InvitationViewSet,
    MemberViewSet,
    ProjectViewSet,
)


class APIRootView(routers.APIRootView):
    """The data API. Each link below needs a token or a session."""

    # The root lists links only, no data: anyone may read it, so a newcomer's
    # browser finds its way in before logging in.
    permission_classes = [permissions.AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()
router.register("examples", ExampleModelViewSet, basename="example")
router.register("projects", ProjectViewSet, basename="project")
# Nested under a project; the API root links only routes without parameters.
router.register(r"projects/(?P<project_id>[0-9]+)/members", MemberViewSet, basename="project-member")
router.register("invitations", InvitationViewSet, basename="invitation")

urlpatterns = [*router.urls, path("history/", HistoryView.as_view(), name="history")]
