from django.urls import path
from django.views.generic import RedirectView

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
    path("codes/<str:system>/<str:value>/", views.code_redirect, name="code"),
    # Stand-ins until the gene and sign pages exist (branch h8-pages): the entry page links to these names.
    path("genes/<str:symbol>/", RedirectView.as_view(url="/search/?q=%(symbol)s"), name="gene"),
    path("signs/<str:hpo_id>/", RedirectView.as_view(url="/search/?q=%(hpo_id)s"), name="sign"),
]
