"""WSGI entry point for gunicorn: ``gunicorn encyclopedia.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "encyclopedia.settings")
application = get_wsgi_application()
