"""The admin's users: Django's own UserAdmin, with the profile inline."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User

from .models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["display_name", "bio", "timezone", "updated_at"]
    readonly_fields = ["updated_at"]


# django.contrib.auth registers User with its UserAdmin; ours replaces it.
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_select_related = ["profile"]

    def get_inlines(self, request, obj):
        # On "add" the profile is created by the post_save signal; an inline
        # would try to insert a second one.
        return [ProfileInline] if obj is not None else []
