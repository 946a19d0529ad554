from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("disorders.urls")),
    path("", include("resources.urls")),
    path("admin/", admin.site.urls),
]
