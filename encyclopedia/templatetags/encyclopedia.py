"""Site-wide template helpers: ``{% load encyclopedia %}``."""

from django import template
from django.utils.safestring import mark_safe

from encyclopedia.markup import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Editor-written Markdown as sanitized HTML: ``{{ section.body|markdown }}``."""
    # Safe to mark: render_markdown passes everything through nh3's allow-list.
    return mark_safe(render_markdown(text))


@register.filter
def paragraphs(text):
    """Plain text split into its non-empty lines, for sources that keep one paragraph per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@register.inclusion_tag("includes/date.html")
def date_tag(value):
    """A date as readers see it, "May 8, 2013", in a machine-readable <time>: ``{% date_tag entry.updated %}``."""
    return {"value": value}
