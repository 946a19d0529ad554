"""Site-wide template helpers: ``{% load encyclopedia %}``."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from encyclopedia import links
from encyclopedia.markup import paragraphs, render_markdown

register = template.Library()

# Inside <script>, "</script>" or "<!--" in a string would end or confuse the element; JSON may spell them escaped.
_JSON_SCRIPT_ESCAPES = [("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026")]


@register.filter(name="markdown")
def markdown_filter(text):
    """Editor-written Markdown as sanitized HTML: ``{{ section.body|markdown }}``."""
    # Safe to mark: render_markdown passes everything through nh3's allow-list.
    return mark_safe(render_markdown(text))


register.filter("paragraphs", paragraphs)


@register.filter
def web_address(value):
    """An http(s) address to link, or "": ``{% with url=organization.website|web_address %}``."""
    return links.web_address(value)


@register.filter
def email_address(value):
    """An email address for a ``mailto:`` link, or "": ``{{ organization.email|email_address }}``."""
    return links.email_address(value)


@register.filter
def minutes(duration):
    """A ``timedelta`` in whole minutes, rounded up: "wait 15 minutes", never "wait 0:15:00"."""
    return -(-int(duration.total_seconds()) // 60)


@register.simple_tag
def date_tag(value):
    """A date as readers see it, "May 8, 2013", in a machine-readable <time>: ``{% date_tag entry.updated %}``.

    One line, so it sits inside sentences. Built here, not from an included template: a published import
    writes up to three per entry, and the included template's context and render were a quarter of the tag's cost.
    """
    if not value:
        return ""
    value = template_localtime(value)  # as the date filter shows a datetime: in the site's time zone
    return format_html('<time datetime="{}">{}</time>', date_format(value, "Y-m-d"), date_format(value, "F j, Y"))


@register.simple_tag
def json_ld(data):
    """Structured data for search engines: ``{% json_ld data %}`` writes a ``<script type="application/ld+json">``.

    Like Django's ``json_script``, with <, > and & escaped so stored text cannot close the element;
    a data block is not executed, so it stays within a strict Content-Security-Policy.
    """
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    for character, escaped in _JSON_SCRIPT_ESCAPES:  # three replaces: many times faster than str.translate
        payload = payload.replace(character, escaped)
    # Safe: the payload is JSON with every character that could end the element escaped.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
