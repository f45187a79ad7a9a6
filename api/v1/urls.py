"""`/api/v1/` routes (filled by the Data API issue)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
