"""The product's routes, plus two that only the benchmarks serve."""

from django.urls import path

from backend.urls import urlpatterns as product_urlpatterns

from .views import raw_examples

urlpatterns = [
    path("bench/raw/examples/", raw_examples, name="bench-raw"),
    *product_urlpatterns,
]
