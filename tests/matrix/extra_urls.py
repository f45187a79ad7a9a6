"""The product's routes plus one more, for the test that a route with no expectation is reported."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.urls import urlpatterns as product_urlpatterns


class NewThingView(APIView):
    def get(self, request, pk):
        return Response({})

    def delete(self, request, pk):
        return Response(status=204)


urlpatterns = [
    *product_urlpatterns,
    path("api/v1/new-thing/<int:pk>/", NewThingView.as_view(), name="new-thing"),
]
