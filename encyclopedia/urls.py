from django.contrib import admin
from django.urls import include, path

from encyclopedia import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("disclaimers/", views.DisclaimersView.as_view(), name="disclaimers"),
    path("", include("disorders.urls")),
    path("", include("resources.urls")),
    path("admin/", admin.site.urls),
]
