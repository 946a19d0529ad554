from django.urls import path

from disorders import views
from disorders.feeds import UpdatesFeed
from encyclopedia.reader_pages import reader_cache

app_name = "disorders"
urlpatterns = [
    path("disorders/", views.DisorderIndexView.as_view(), name="index"),
    path("disorders/<slug:slug>.json", views.disorder_json, name="detail-json"),
    path("disorders/<slug:slug>/", views.DisorderDetailView.as_view(), name="detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("search/suggest/", views.suggest, name="suggest"),
    path("feeds/updates/", reader_cache(UpdatesFeed()), name="updates-feed"),
    path("classifications/<slug:slug>/", views.ClassificationDetailView.as_view(), name="classification"),
    path("genes/<str:symbol>/", views.GeneDetailView.as_view(), name="gene"),
    path("signs/", views.SignIndexView.as_view(), name="sign-index"),
    path("signs/find/", views.FindBySignsView.as_view(), name="find-by-signs"),
    path("signs/suggest/", views.sign_suggest, name="sign-suggest"),
    path("signs/<str:hpo_id>/", views.SignDetailView.as_view(), name="sign"),
    path("codes/<str:system>/<str:value>/", views.code_redirect, name="code"),
]
