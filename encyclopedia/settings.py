"""Settings for the rare-disorder encyclopedia.

Every value comes from the environment (or a ``.env`` file beside manage.py);
``.env.example`` documents each variable. Without ``DATABASE_URL`` the database
is an embedded PostgreSQL under ``var/``, started by the first connection (see
``encyclopedia.embedded_db``); loading settings starts nothing. The test suite
runs on ``encyclopedia.settings_test``.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for local development).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for canonical links, sitemaps and feeds (no trailing slash).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Rare Disorders Encyclopedia")
# The authority of the feed's permanent entry ids (tag: URIs): a domain or email the site's owner holds. Set it
# once and never change it, not even with SITE_URL: feed readers know entries by these ids.
FEED_TAG_AUTHORITY = env("FEED_TAG_AUTHORITY", default="rare-disorders.example")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "reversion",
    "csp",
    "axes",
    "ninja",  # the API's docs page: Swagger UI from its static files, not a CDN
    "encyclopedia",
    "disorders",
    "resources",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the path or the query: a NUL byte never reaches a view or the database.
    "encyclopedia.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A conditional GET is answered 304 from the ETag, cached page or not.
    "django.middleware.http.ConditionalGetMiddleware",
    # Before sessions, auth and messages: a cached reader page needs none of them.
    "encyclopedia.page_cache.ReaderPageCacheMiddleware",
    # Inside the page cache, which so keeps compressed pages instead of compressing on every hit.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: it turns a lockout raised during authentication into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "encyclopedia.urls"
WSGI_APPLICATION = "encyclopedia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "encyclopedia.context_processors.site",
            ],
        },
    },
]

if env("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("The encyclopedia runs on PostgreSQL only; DATABASE_URL must be postgres://…")
else:
    from encyclopedia import embedded_db

    DATABASES = {"default": embedded_db.database_settings(embedded_db.configured_data_dir())}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Two test runs at once (say, two checkouts sharing a server) each need their own test database.
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}

# Per process, room for the reader pages of a whole import (Django keeps 300 by default): about 15 KB a page.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://?MAX_ENTRIES=20000")}
# How long browsers and shared proxies may keep a reader page (signed-in staff always get a private copy).
READER_CACHE_SECONDS = env.int("READER_CACHE_SECONDS", default=300)
# How long the server keeps a whole reader page in CACHES (0: never); a publish or any change readers see
# makes every kept page out of date at once (encyclopedia.page_cache), so this only bounds memory.
READER_PAGE_CACHE_SECONDS = env.int("READER_PAGE_CACHE_SECONDS", default=3600)

# Requests a minute one client (by address, see TRUSTED_PROXY_COUNT) may make to /api/; 0 lifts the limit.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)

# Django's 1,000 fields refuse (400) a save of the largest imported entries: Retinitis pigmentosa's form,
# with 97 codes and its genes, signs and prevalences, sends about 1,500.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=10000)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"  # the one language tag of pages (<html lang="en">) and feed
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / env("STATIC_ROOT", default="var/static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves static files straight from static/ (no collectstatic needed).
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security: secure by default in production; a TLS-terminating proxy sets X-Forwarded-Proto.
# `make run` speaks plain HTTP to localhost, so development starts from the relaxed values.
PRODUCTION = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own logger would print to a second console handler; let it reach the root one only.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

# Content-Security-Policy (django-csp): our own files only, nothing inline, no frames, no plugins.
# The admin of Django 5.2 needs nothing more (its scripts are static files reading data attributes),
# so one policy covers reader pages and staff pages alike.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords in a row for one
# username from one address, that pair is refused (429) for the cool-off; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# How many proxies in front of the site append the caller's address to X-Forwarded-For (0: none, the header
# is the client's own word and ignored). Sign-in throttling counts failures per client address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "encyclopedia.middleware.client_ip"
# Axes announces its configuration at INFO on every command; its lockout warnings still reach the log.
LOGGING["loggers"]["axes.apps"] = {"level": "WARNING"}
# A refused ``next`` after signing in (another site, say) lands on the admin index, not on a 404.
LOGIN_REDIRECT_URL = "admin:index"

# A request for a host we do not serve is the client's mistake (or a scanner): one warning line, no traceback.
LOGGING["filters"] = {"warning_without_traceback": {"()": "encyclopedia.log.WarningWithoutTraceback"}}
LOGGING["loggers"]["django.security.DisallowedHost"] = {"filters": ["warning_without_traceback"]}
