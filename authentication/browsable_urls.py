"""DRF's ``rest_framework`` URL names, served by the throttled views of ``authentication.browsable``."""

from django.urls import path

from .browsable import BrowsableLoginView, BrowsableLogoutView

app_name = "rest_framework"

urlpatterns = [
    path("login/", BrowsableLoginView.as_view(), name="login"),
    path("logout/", BrowsableLogoutView.as_view(), name="logout"),
]
