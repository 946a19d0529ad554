from django.urls import path

from disorders import views

app_name = "disorders"
urlpatterns = [
    path("disorders/<slug:slug>/", views.DisorderDetailView.as_view(), name="detail"),
    path("classifications/<slug:slug>/", views.ClassificationDetailView.as_view(), name="classification"),
]
