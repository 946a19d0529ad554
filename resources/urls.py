from django.urls import path

from resources import views

app_name = "resources"
urlpatterns = [
    path("organizations/", views.OrganizationListView.as_view(), name="organizations"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization"),
]
