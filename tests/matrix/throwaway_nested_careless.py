"""The nested throwaway's routes with a create that looks its note up without the policy (the bite)."""

from .throwaway_nested import CarelessRemarkViewSet, remark_urls

urlpatterns = remark_urls(CarelessRemarkViewSet)
