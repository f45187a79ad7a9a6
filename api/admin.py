from django.contrib import admin

from .models import ExampleModel


@admin.register(ExampleModel)
class ExampleModelAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "user", "created_at", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["title", "content", "user__username", "user__email"]
    list_filter = [("created_at", admin.DateFieldListFilter), ("updated_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]
