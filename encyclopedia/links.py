"""Websites and email addresses: one rule for what the admin and the importers store, and what pages link.

Model fields carry :data:`validate_web_url` (and ``EmailField``'s own validator), the admin
cleans with those fields, and importers call :func:`admin_value`, so no input path stores an
address another refuses. Pages and exports show addresses through :func:`web_address` and
:func:`email_address` all the same, so a row stored before the rule never becomes a link that runs script.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models

# javascript:, data: and vbscript: addresses run script when clicked; ftp: no browser opens any more.
WEB_SCHEMES = ["http", "https"]
validate_web_url = URLValidator(schemes=WEB_SCHEMES)

# Editors paste bare domains ("www.example.org"); assume https as Django 6 will.
URLS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


def admin_value(model, field_name, value):
    """``value`` as the admin would store it in ``model.field_name``; ``ValidationError`` where the admin refuses it.

    The admin's form field cleans it (a bare domain gains https://), then the model field's validators check it.
    """
    field = model._meta.get_field(field_name)
    cleaned = field.formfield(**URLS_ASSUME_HTTPS.get(type(field), {})).clean(value)
    return field.clean(cleaned, None)


def web_address(value):
    """``value`` if it is an http(s) address a page may link to, else ""."""
    try:
        validate_web_url(value)
    except ValidationError:
        return ""
    return value


def email_address(value):
    """``value`` if it is an email address a ``mailto:`` link may carry, else ""."""
    try:
        validate_email(value)
    except ValidationError:
        return ""
    return value
