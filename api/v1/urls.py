"""`/api/v1/` routes, with DRF's browsable API root at `/api/v1/`."""

from rest_framework import permissions, routers

from .views import ExampleModelViewSet


class APIRootView(routers.APIRootView):
    """The data API. Each link below needs a token or a session."""

    # The root lists links only, no data: anyone may read it, so a newcomer's
    # browser finds its way in before logging in.
    permission_classes = [permissions.AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()
router.register("examples", ExampleModelViewSet, basename="example")

urlpatterns = router.urls
