"""Editor-written text for readers: Markdown to safe HTML, plain text and paragraphs, for templates and exports."""

import functools
import html
import re
import threading

import markdown
import nh3
from django.utils.html import strip_tags
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from encyclopedia.links import WEB_SCHEMES

# The page owns h1 (the title) and h2 (section headings); a body's headings start at h3.
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "em", "strong", "sub", "sup", "abbr", "a", "blockquote", "code", "pre",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align", "scope"},
    "td": {"align"},
}
# The schemes the site links anywhere (encyclopedia.links): no javascript:, data: or vbscript: links;
# nh3 drops an href with any other scheme.
ALLOWED_URL_SCHEMES = {*WEB_SCHEMES, "mailto", "tel"}


class _DemoteTopHeadings(Treeprocessor):
    def run(self, root):
        for element in root.iter():
            if element.tag in {"h1", "h2"}:
                element.tag = "h3"


class _SectionHeadings(Extension):
    """Turn an editor's # and ## into h3 so a body never outranks the section it sits in."""

    def extendMarkdown(self, md):  # Markdown's API name, not ours
        md.treeprocessors.register(_DemoteTopHeadings(md), "demote_top_headings", 1)


# "extra" minus footnotes, attr_list and md_in_html: their ids, classes and raw blocks would be sanitized away.
EXTENSIONS = ["tables", "fenced_code", "def_list", "abbr", "sane_lists", _SectionHeadings()]
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}  # align="", since style="" is stripped


# Python-Markdown slows down more than linearly on some input; past these limits one page would take seconds
# and hold up a server worker. Stored sections are within MAX_CHARS already (Section checks it).
MAX_CHARS = 100_000  # a long NORD full report is ~60,000 characters in all
MAX_LINES = 1_000  # a references list of a few hundred entries; tables cost per row
MAX_INDENT = 24  # leading spaces: six levels of list nesting
# Each "[", "<" or ">" makes the parser rescan the rest of its paragraph for a match: brackets x paragraph length.
MAX_BRACKET_WORK = 1_000_000
SHORTENED = "(This text is too long to show in full here.)"

_INDENT = re.compile(rf"^[ \t]{{{MAX_INDENT + 1},}}", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _shortened(text):
    if len(text) <= MAX_CHARS and text.count("\n") < MAX_LINES:
        return text
    kept = "\n".join(text[:MAX_CHARS].split("\n")[:MAX_LINES])
    # Cut at a line break, so no word or Markdown construct is left half-written.
    return f"{kept.rpartition(chr(10))[0] or kept}\n\n{SHORTENED}"


def _as_plain_paragraphs(paragraphs):
    return "".join(
        f"<p>{html.escape(' '.join(paragraph.split()))}</p>" for paragraph in paragraphs if paragraph.strip()
    )


_renderers = threading.local()


def _markdown():
    """This thread's Markdown converter, reset: building one with its extensions costs more than rendering a
    search snippet (0.25 ms of 0.33), and a search page renders twenty. reset() forgets the last text's state."""
    if (renderer := getattr(_renderers, "markdown", None)) is None:
        renderer = _renderers.markdown = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
        )
    return renderer.reset()


@functools.lru_cache(maxsize=256)
def render_markdown(text):
    """Render Markdown and sanitize the result; the return value is safe to mark safe.

    Rendering is bounded: text past MAX_CHARS or MAX_LINES is cut with a note, and a body so full of
    brackets that Markdown would take seconds is shown as plain paragraphs. The same text renders the
    same, so recent results are kept: the site disclaimers on every page, an entry's first section
    rendered for its page and again for its description.
    """
    if not text:
        return ""
    text = _shortened(text)
    paragraphs = _PARAGRAPH_BREAK.split(text)
    if sum(sum(map(p.count, "[<>")) * len(p) for p in paragraphs) > MAX_BRACKET_WORK:
        return _as_plain_paragraphs(paragraphs)
    text = _INDENT.sub(" " * MAX_INDENT, text)
    rendered = _markdown().convert(text)
    # nh3 also drops <script> and <style> with their content and adds rel="noopener noreferrer" to links.
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES)


def plain_text(text, max_chars=None):
    """Markdown as one line of plain text (for meta descriptions), optionally shortened at a word boundary."""
    # Unescaped because templates escape it again on output.
    flat = " ".join(html.unescape(strip_tags(render_markdown(text))).split())
    if max_chars is None or len(flat) <= max_chars:
        return flat
    cut = flat[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return f"{cut}…"


def paragraphs(text):
    """Plain text split into its non-empty lines, for sources that keep one paragraph per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
