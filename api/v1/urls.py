"""`/api/v1/` routes, with DRF's browsable API root at `/api/v1/`."""

from django.urls import path
from rest_framework import permissions, routers

from audit.views import HistoryView

from .views import ROUTES


class APIRootView(routers.APIRootView):
    """The data API. Each link below needs a token or a session."""

    # The root lists links only, no data: anyone may read it, so a newcomer's
    # browser finds its way in before logging in.
    permission_classes = [permissions.AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()
# Every viewset decorated with api.v1.views.routed, in the order they are defined;
# the API root links only routes without parameters.
for prefix, viewset, basename in ROUTES:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [*router.urls, path("history/", HistoryView.as_view(), name="history")]
