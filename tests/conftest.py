import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from encyclopedia import workers

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_NORD_DIR = PROJECT_DIR / "disorders" / "demo" / "nord"
SHARED_DIR = PROJECT_DIR.parent / "shared"

ROLES = ["Editors", "Reviewers", "Auditors"]


def make_staff(django_user_model, username, group=None, **extra):
    user = django_user_model.objects.create_user(username, password="pw", is_staff=True, **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def forking(monkeypatch):
    """Fork even with the browser tests' live server thread up (it waits idle in select), counting the forks."""
    forks = []
    fork = os.fork

    def counted():
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(workers, "can_fork", lambda: True)
    monkeypatch.setattr(os, "fork", counted)
    return forks


@pytest.fixture
def editor(django_user_model):
    return make_staff(django_user_model, "editor", "Editors")


@pytest.fixture
def reviewer(django_user_model):
    return make_staff(django_user_model, "reviewer", "Reviewers")


@pytest.fixture
def auditor(django_user_model):
    return make_staff(django_user_model, "auditor", "Auditors")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password="pw")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_documents(client):
    """The sitemap index and every sitemap it lists, as ``(address, XML text)``, read as a crawler does."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    from django.urls import reverse

    index = client.get(reverse("sitemap"))
    assert index.status_code == 200
    documents = []
    for location in ET.fromstring(index.content).iter(f"{SITEMAP_NS}loc"):
        parts = urlsplit(location.text)
        response = client.get(parts.path, dict([parts.query.split("=")]) if parts.query else None)
        assert response.status_code == 200, location.text
        documents.append((location.text, response.content.decode()))
    return documents


def sitemap_text(client):
    """Every sitemap the index lists, one text after another (for "is this address in the sitemap")."""
    return "\n".join(text for _, text in sitemap_documents(client))
