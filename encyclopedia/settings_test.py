"""Settings of the test suite (pyproject's DJANGO_SETTINGS_MODULE): the project's, for a test client.

Whatever ``DJANGO_DEBUG`` says, the tests run like ``make run`` does: plain HTTP, static files
straight from ``static/``. Production never loads this module, so it still refuses to start
without a secret key.
"""

import os

# The suite needs no secret; set before the project's settings check for one.
os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-key-do-not-use-in-production")

from encyclopedia.settings import *  # noqa: F403
from encyclopedia.settings import STORAGES

# Fast hashing keeps the role-matrix tests quick.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# No collectstatic before a test run: serve static/ through the finders, unhashed.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# The test client and the browser tests' live server speak plain HTTP.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = False

# Each test runs in a transaction that never commits, so the content generation never moves there:
# whole-page caching is off, and tests/test_page_cache.py turns it on with commits it can see.
READER_PAGE_CACHE_SECONDS = 0
