"""NORD abstracts as Healthwise published them: a parser and a loader.

Parsing (:func:`read_abstract`, :func:`parse_abstract`) is pure: text in, an
:class:`Abstract` out, no database. Loading (:func:`load_abstracts`,
:func:`save_abstracts`) writes entries, their synonyms, subdivisions, sections,
NORD attribution and resources, and the shared organizations.

The layout, as in ``disorders/demo/nord/`` (other layouts NORD abstracts come in are in
``tests/data/nord/``: the title printed twice, no Synonyms heading, web-page furniture,
NORD's own 2010-2014 full reports with "Synonyms of <title>" and an acknowledgement)::

    Health Encyclopedia                      site furniture, dropped
    <title>
    <source line>                            "National Organization for Rare Disorders, Inc."
    [Important]
    It is possible that the main title ...   the site-wide title notice, not stored per entry
    [Synonyms]
      • bullets
    Disorder Subdivisions
      • bullets, or a lone "None"
    General Discussion
    paragraphs, optionally under short sub-headings ("Summary")
    [Resources]
    organizations: name, address lines, Tel/Fax/TDD/Email/Internet lines
    For a Complete Report
    a paragraph, then disclaimers, "Last Updated: M/D/YYYY", "Copyright ...", more disclaimers

Blank lines carry the structure: one blank line separates the lines of one
thing (an organization's address and phones), two or more separate things
(paragraphs, organizations).

The title is found by what is printed below it (the notice or "Synonyms of"
naming it, the source line, the acknowledgement), so any furniture above it is
skipped. A file is refused, never half-imported, when it is not an abstract (no
source line and no section heading), is cut short (no Last Updated or copyright
line, or the text stops mid-sentence), or is too big (MAX_FILE_BYTES,
MAX_SECTION_CHARS); an update refuses to halve a stored section.
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from disorders import editing, history
from disorders.importers import TitlesByAction, import_comment, same_text, unique_slug
from disorders.models import (
    Disorder,
    DisorderResource,
    DisorderSource,
    Section,
    Source,
    Subdivision,
    Synonym,
)
from disorders.search import entries_titled, normalize_name
from encyclopedia.links import admin_value
from encyclopedia.markup import MAX_CHARS
from resources.models import Organization, Phone

NORD_SLUG = "nord"
NORD_NAME = "National Organization for Rare Disorders, Inc."
NORD_SHORT_NAME = "NORD"
NORD_WEBSITE = "https://rarediseases.org"

# Headings that are printed without a per-document section of their own.
_HEADINGS = {
    "important": "notice",
    "synonyms": "synonyms",
    "disorder subdivisions": "subdivisions",
    "subdivisions": "subdivisions",
    "resources": "resources",
    "for a complete report": "complete_report",
}
# Section headings as NORD prints them; abstracts carry only General Discussion, full reports the rest.
SECTION_KINDS = {
    "general discussion": Section.Kind.GENERAL_DISCUSSION,
    "signs & symptoms": Section.Kind.SIGNS_SYMPTOMS,
    "signs and symptoms": Section.Kind.SIGNS_SYMPTOMS,
    "symptoms": Section.Kind.SIGNS_SYMPTOMS,
    "causes": Section.Kind.CAUSES,
    "affected populations": Section.Kind.AFFECTED_POPULATIONS,
    "affected population": Section.Kind.AFFECTED_POPULATIONS,
    "related disorders": Section.Kind.RELATED_DISORDERS,
    "diagnosis": Section.Kind.DIAGNOSIS,
    "standard therapies": Section.Kind.STANDARD_THERAPIES,
    "investigational therapies": Section.Kind.INVESTIGATIONAL_THERAPIES,
    "references": Section.Kind.REFERENCES,
    # Not NORD's: lets an exported entry with an Orphanet definition (disorders.export) read back.
    "definition": Section.Kind.DEFINITION,
}

_BULLET = re.compile(r"^(?:[•·▪◦‣]\s*|[-*]\s+)(?P<item>.+)$")
_CONTACT = re.compile(r"^(?P<label>tel|fax|tdd|e-?mail|internet)\s*:\s*(?P<value>.*)$", re.IGNORECASE)
_LAST_UPDATED = re.compile(r"^last updated\s*:?\s*(?P<date>.*)$", re.IGNORECASE)
_COPYRIGHT = re.compile(r"^(?:copyright|©)", re.IGNORECASE)
_TITLE_NOTICE = re.compile(r"^(?:important:?\s+)?it is possible that the main title", re.IGNORECASE)
_NOTICE_NAMES_TITLE = re.compile(r"main title of the report (?P<title>.+?) is not the name you expected", re.IGNORECASE)
_NORD_SOURCE_LINE = re.compile(r"^national organization for rare disorders\b", re.IGNORECASE)
# A sentence ends in punctuation, perhaps inside quotes or brackets; a cut-off file usually does not.
_SENTENCE_END = re.compile(r"[.!?\u2026:][\"'\u201d\u2019)\]]*$")
_PROSE_WORDS = 8  # a shorter last line (a menu, a lone word) may be furniture, not a cut sentence
# NORD's own reports credit their expert reviewer in a paragraph of its own.
_ACKNOWLEDGEMENT = re.compile(
    r"\b(?:grateful|gratefully|acknowledges?|thanks?)\b.*\b(?:preparation|review) of this (?:report|abstract)\b",
    re.IGNORECASE,
)
# Web-page furniture copied along with an abstract; such a line counts as a blank line.
_FURNITURE = [
    re.compile(r"^skip to (?:the )?(?:main )?(?:content|navigation)$", re.IGNORECASE),
    re.compile(r"^font size:?(?:\s+a)*$", re.IGNORECASE),
    re.compile(r"^health encyclopedia$", re.IGNORECASE),
    re.compile(r"^search rare diseases?$|^search$|^go$", re.IGNORECASE),  # a search box and its button
    re.compile(r"^(?:you are here:?\s*)?home\s*[>\u203a\u00bb/|]", re.IGNORECASE),  # a breadcrumb trail
    # Lone capitals: the font-size "A" buttons, an A-Z bar ("A B", "A | B", "0-9 - A - … - Z") or one letter a line.
    re.compile(r"^(?:[A-Z#]|0-9)(?:(?:\s*[|\-\u2013\u2022\u00b7\u2026]\s*)+(?:[A-Z#]|0-9)|\s+(?:[A-Z#]|0-9))*$"),
]
# Far past any real document (the founding abstract is 12 KB, a long full report some 60 KB): a bigger file is
# not an abstract, and reading it whole would tie up the server (a 52 MB file took 32 s and 687 MB).
MAX_FILE_BYTES = 2_000_000
# What a page renders in full (see encyclopedia.markup); Section refuses a longer body too.
MAX_SECTION_CHARS = MAX_CHARS
# An update whose section keeps less than this share of the stored text is taken for a damaged file.
SHORTER_SHARE = 0.5
# A sub-heading is a short line that does not end like a sentence.
_SUBHEADING = re.compile(r"^[^.!?:;,]{1,80}$")
_TOLL_FREE_AREA_CODES = {"800", "888", "877", "866", "855", "844", "833"}

# "City, ST 12345" or "City, ST 12345-6789": a US last address line (ST checked against _US_STATES).
_US_PLACE = re.compile(r"^(?P<locality>[^,\d][^,]*), (?P<region>[A-Z]{2}) (?P<postal_code>\d{5}(?:-\d{4})?)$")
# "Lyon, 69001", "Geneva 27, 1211", "Toronto, ON M5V 2T6": a locality, then an optional region and a postal code.
_PLACE = re.compile(
    r"^(?P<locality>[^,\d][^,]{0,60}), (?:(?P<region>[A-Z]{2,3}) )?"
    r"(?P<postal_code>(?=[A-Z0-9 -]*\d)[A-Z0-9][A-Z0-9 -]{1,9})$"
)
# A country line: words only, after the place line.
_COUNTRY = re.compile(r"^[^\W\d_][^\d,]{1,55}$")
# USPS state, territory and military codes.
# fmt: off
_US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "AA", "AE", "AP",
})
# fmt: on


class NordImportError(Exception):
    """A document that cannot be imported; the message names the file and the problem."""


@dataclass
class AbstractPhone:
    kind: str  # a resources.models.Phone.Kind value
    number: str  # as printed


@dataclass
class AbstractOrganization:
    name: str
    address_lines: list[str] = field(default_factory=list)
    phones: list[AbstractPhone] = field(default_factory=list)
    email: str = ""
    website: str = ""


@dataclass
class AbstractSection:
    heading: str  # as printed, e.g. "General Discussion"
    body: str  # Markdown: paragraphs separated by a blank line, "### " sub-headings


@dataclass
class Abstract:
    """One NORD abstract, as the document says it."""

    title: str
    source: str = ""
    synonyms: list[str] = field(default_factory=list)
    subdivisions: list[str] = field(default_factory=list)
    sections: list[AbstractSection] = field(default_factory=list)
    organizations: list[AbstractOrganization] = field(default_factory=list)
    complete_report: str = ""
    disclaimers: list[str] = field(default_factory=list)
    last_updated: datetime.date | None = None
    copyright: str = ""
    acknowledgement: str = ""  # NORD's credit to the expert reviewer, in its own reports
    # Lines above the title that were taken for web-page furniture and dropped ("line 3: ..."); not content.
    skipped: list[str] = field(default_factory=list)
    # Not printed in the document: NORD's identifier for it (the file's stem) and where it was read from.
    reference: str = ""
    origin: str = ""

    def as_dict(self):
        """The document's content as JSON-ready data (what ``import_nord --dry-run --format json`` prints)."""
        return {
            "title": self.title,
            "source": self.source,
            "synonyms": list(self.synonyms),
            "subdivisions": list(self.subdivisions),
            "sections": [{"heading": s.heading, "body": s.body} for s in self.sections],
            "organizations": [
                {
                    "name": o.name,
                    "address_lines": list(o.address_lines),
                    "phones": [{"kind": p.kind, "number": p.number} for p in o.phones],
                    "email": o.email,
                    "website": o.website,
                }
                for o in self.organizations
            ],
            "complete_report": self.complete_report,
            "disclaimers": list(self.disclaimers),
            "last_updated": self.last_updated.isoformat() if self.last_updated else None,
            "copyright": self.copyright,
            "acknowledgement": self.acknowledgement,
        }


@dataclass(frozen=True)
class PostalAddress:
    """An address split into ``Organization``'s fields."""

    street_address: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


# --- Parsing -------------------------------------------------------------------------------------------------------


@dataclass
class _Block:
    """A run of non-blank lines, and how many blank lines came before it."""

    lines: list[str]
    lineno: int
    gap: int

    @property
    def text(self):
        return " ".join(self.lines)


def abstract_paths(paths):
    """The files to import: each path as given, or a directory's ``.txt`` files in name order."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            files = sorted(child for child in path.iterdir() if child.is_file() and child.suffix.lower() == ".txt")
            if not files:
                raise NordImportError(f"{path}: the directory has no .txt files")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise NordImportError(f"{path}: no such file or directory")
    return list(dict.fromkeys(found))


def read_abstract(path):
    """Read and parse one abstract file; its stem becomes the NORD reference."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise NordImportError(f"{path}: cannot be read ({error.strerror})") from error
    if len(data) > MAX_FILE_BYTES:
        raise NordImportError(
            f"{path}: is larger than {MAX_FILE_BYTES // 1_000_000} MB; a NORD abstract is a few dozen KB, "
            "so this is not one (or several were joined)"
        )
    if b"\x00" in data:
        raise NordImportError(f"{path}: is a binary file, not a text abstract (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NordImportError(f"{path}: is not UTF-8 text (undecodable byte at offset {error.start})") from error
    abstract = parse_abstract(text, origin=str(path), reference=path.stem)
    _check_complete(abstract, _blocks(text))
    return abstract


def _check_complete(abstract, blocks):
    """Refuse a file cut short: it lacks the closing lines every NORD document has, or stops mid-sentence."""
    missing = [
        what
        for what, value in (("Last Updated line", abstract.last_updated), ("copyright line", abstract.copyright))
        if not value
    ]
    if missing:
        raise NordImportError(
            f"{abstract.origin}: is incomplete: it has no {' and no '.join(missing)} (was the file cut short?)"
        )
    prose = [block for block in blocks if len(block.text.split()) >= _PROSE_WORDS]
    if prose and not _is_dated_line(prose[-1]) and not _SENTENCE_END.search(prose[-1].text):
        raise NordImportError(
            f"{abstract.origin}, line {prose[-1].lineno}: the text ends mid-sentence "
            f"(…{prose[-1].text[-40:]!r}); was the file cut short?"
        )


def parse_abstract(text, *, origin="<text>", reference=""):
    """Parse the text of one abstract; ``origin`` names it in error messages.

    Raises :class:`NordImportError` for an empty document, one without a NORD
    document's markers (the NORD source line or a section heading), one without
    a title, or text in a place the layout has no room for (rather than dropping it).
    Lines above the title are web-page furniture: dropped, and listed in ``skipped``.
    """
    if not text.lstrip("\ufeff").strip():
        raise NordImportError(f"{origin}: the file is empty")
    blocks = _blocks(text)
    if not blocks:
        raise NordImportError(f"{origin}: has no title (expected the disorder's name first; found only site furniture)")
    if not any(_heading(block) == "section" or _NORD_SOURCE_LINE.match(block.text) for block in blocks):
        raise NordImportError(
            f"{origin}: is not a NORD abstract (it has neither the line {NORD_NAME!r} "
            "nor a section heading such as 'General Discussion')"
        )
    start = _title_index(blocks)
    skipped = [f"line {block.lineno}: {line}" for block in blocks[:start] for line in block.lines]
    blocks = blocks[start:]
    if blocks and len({line.casefold() for line in blocks[0].lines}) == 1:
        blocks[0].lines = blocks[0].lines[:1]  # the title printed twice on consecutive lines
    if not blocks or not _is_plain_line(blocks[0]) or len(blocks[0].text) > 255:
        found = f"found {blocks[0].text[:60]!r} on line {blocks[0].lineno}" if blocks else "found only site furniture"
        raise NordImportError(f"{origin}: has no title (expected the disorder's name first; {found})")
    abstract = Abstract(title=blocks[0].text, reference=reference, origin=origin, skipped=skipped)
    rest = blocks[1:]
    if rest and rest[0].text.casefold() == abstract.title.casefold():
        rest = rest[1:]  # the title printed twice, apart
    acknowledgements = [block for block in rest if _ACKNOWLEDGEMENT.search(block.text)]
    abstract.acknowledgement = "\n\n".join(block.text for block in acknowledgements)
    rest = [block for block in rest if all(block is not taken for taken in acknowledgements)]
    if rest and _is_plain_line(rest[0]) and not _TITLE_NOTICE.match(rest[0].text):
        abstract.source = rest[0].text
        rest = rest[1:]

    # Three regions: names up to the first section heading, sections and organizations, then the closing notes.
    tail_start = next(
        (i for i, block in enumerate(rest) if _heading(block) == "complete_report" or _is_dated_line(block)),
        len(rest),
    )
    body_start = next(
        (i for i, block in enumerate(rest[:tail_start]) if _heading(block) in ("section", "resources")), tail_start
    )
    _parse_names(abstract, rest[:body_start])
    _parse_body(abstract, rest[body_start:tail_start])
    _parse_tail(abstract, rest[tail_start:])
    return abstract


def _title_index(blocks):
    """Where the title is, found by what NORD prints below it; anything above it is furniture.

    The notice and a "Synonyms of <title>" heading name the title; failing those, it is the line just above
    the NORD source line or the reviewer's acknowledgement; failing those, the first line.
    """
    for index, block in enumerate(blocks):
        heading = block.text.rstrip(":").strip()
        notice = _NOTICE_NAMES_TITLE.search(block.text)
        if notice:
            named = notice["title"]
        elif _heading(block) == "synonyms" and heading.casefold().startswith("synonyms of "):
            named = heading[len("synonyms of ") :]
        else:
            continue
        # The nearest line above that says the name: a breadcrumb higher up may say it too.
        same = [i for i in range(index) if blocks[i].lines[0].casefold() == named.casefold()]
        if same:
            return _first_of_repeats(blocks, same[-1])
    first_heading = next((i for i, block in enumerate(blocks) if _heading(block)), len(blocks))
    for index, block in enumerate(blocks[:first_heading]):
        if index and (_NORD_SOURCE_LINE.match(block.text) or _ACKNOWLEDGEMENT.search(block.text)):
            return _first_of_repeats(blocks, index - 1)
    return 0


def _first_of_repeats(blocks, index):
    """The title printed twice, apart, starts at its first copy."""
    while index and blocks[index - 1].text.casefold() == blocks[index].text.casefold():
        index -= 1
    return index


def _blocks(text):
    blocks, current, gap = [], None, 0
    for lineno, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        # Collapses non-breaking spaces, tabs, indentation and trailing spaces alike.
        line = " ".join(raw.split())
        if not line or any(pattern.search(line) for pattern in _FURNITURE):
            current = None
            gap += 1
            continue
        if current is None:
            current = _Block([], lineno, gap)
            blocks.append(current)
            gap = 0
        current.lines.append(line)
    return blocks


def _heading(block):
    """'section', a ``_HEADINGS`` value, or None when the block is not a heading."""
    if len(block.lines) != 1:
        return None
    key = block.text.rstrip(":").strip().casefold()
    if key in SECTION_KINDS:
        return "section"
    if key.startswith("synonyms of "):  # NORD's full reports say "Synonyms of <title>"
        return "synonyms"
    return _HEADINGS.get(key)


def _is_dated_line(block):
    return len(block.lines) == 1 and bool(_LAST_UPDATED.match(block.text) or _COPYRIGHT.match(block.text))


def _is_plain_line(block):
    """A single line that is not a heading, bullet, contact line or dated line: a title or a source line."""
    line = block.text
    return (
        len(block.lines) == 1
        and _heading(block) is None
        and not _BULLET.match(line)
        and not _CONTACT.match(line)
        and not _is_dated_line(block)
    )


def _bullets(block):
    """The bullet items of a block, or None when any line is not a bullet."""
    matches = [_BULLET.match(line) for line in block.lines]
    if not all(matches):
        return None
    items = [match["item"].strip() for match in matches]
    # A lone "None" is how NORD says the list is empty.
    return [] if [item.casefold() for item in items] == ["none"] else items


def _parse_names(abstract, blocks):
    """The title notice, then synonyms and subdivisions (synonyms first when unheaded)."""
    target = abstract.synonyms
    after_important = False
    for block in blocks:
        heading = _heading(block)
        # Under an "Important" heading the paragraph is the notice, however a site words it.
        is_notice = _TITLE_NOTICE.match(block.text) or (after_important and heading is None and _bullets(block) is None)
        after_important = heading == "notice"
        if heading == "notice" or is_notice:
            continue
        if heading == "synonyms":
            target = abstract.synonyms
            continue
        if heading == "subdivisions":
            target = abstract.subdivisions
            continue
        items = _bullets(block)
        if items is None:
            raise NordImportError(
                f"{abstract.origin}, line {block.lineno}: expected synonym or subdivision bullets, "
                f"found {block.text[:60]!r}"
            )
        for item in items:
            if item.casefold() not in {existing.casefold() for existing in target}:
                target.append(item)


def _chunks(blocks):
    """Group blocks separated by single blank lines; headings always stand alone."""
    chunks = []
    for block in blocks:
        starts_new = not chunks or block.gap >= 2 or _heading(block) or _heading(chunks[-1][-1])
        if starts_new:
            chunks.append([block])
        else:
            chunks[-1].append(block)
    return chunks


def _parse_body(abstract, blocks):
    """Sections and organizations: the organizations follow the text, with or without a Resources heading."""
    section_blocks = {}  # heading -> blocks, in document order
    current = None
    in_resources = False
    for chunk in _chunks(blocks):
        first = chunk[0]
        heading = _heading(first)
        if heading == "section":
            current = section_blocks.setdefault(first.text.rstrip(":").strip(), [])
            in_resources = False
        elif heading == "resources":
            in_resources = True
        elif _CONTACT.match(first.lines[0]):
            # Phone lines set off by two blank lines still belong to the organization above them.
            if not abstract.organizations:
                raise NordImportError(
                    f"{abstract.origin}, line {first.lineno}: {first.lines[0]!r} follows no organization"
                )
            _add_contacts(abstract, abstract.organizations[-1], chunk)
        elif in_resources or _looks_like_organization(chunk):
            in_resources = True
            lines = [line for block in chunk for line in block.lines]
            organization = AbstractOrganization(name=lines[0])
            abstract.organizations.append(organization)
            _add_contacts(abstract, organization, chunk, skip_first_line=True)
        elif current is None:
            raise NordImportError(
                f"{abstract.origin}, line {first.lineno}: text before any section heading: {first.text[:60]!r}"
            )
        else:
            current.extend(chunk)
    for heading, section in section_blocks.items():
        body = _markdown(section)
        if len(body) > MAX_SECTION_CHARS:
            raise NordImportError(
                f"{abstract.origin}, line {section[0].lineno}: the section {heading!r} has {len(body):,} characters; "
                f"a section may have at most {MAX_SECTION_CHARS:,}"
            )
        if body:
            abstract.sections.append(AbstractSection(heading=heading, body=body))


def _looks_like_organization(chunk):
    """A name over address lines ending in a place ("City, ST 12345"), or any lines with Tel:/Email:/… labels."""
    lines = [line for block in chunk for line in block.lines]
    if len(lines) < 2:
        return False
    if any(_CONTACT.match(line) for line in lines):
        return True
    return _place_index(lines[1:]) is not None


def _add_contacts(abstract, organization, chunk, *, skip_first_line=False):
    lines = [line for block in chunk for line in block.lines]
    for line in lines[1:] if skip_first_line else lines:
        match = _CONTACT.match(line)
        if not match:
            organization.address_lines.append(line)
            continue
        label, value = match["label"].casefold().replace("-", ""), match["value"].strip()
        if not value:
            continue
        if label in ("email", "internet"):
            attribute = "email" if label == "email" else "website"
            if getattr(organization, attribute):
                raise NordImportError(
                    f"{abstract.origin}: {organization.name!r} has two {match['label']} lines; the site keeps one"
                )
            setattr(organization, attribute, value)
        else:
            organization.phones.append(AbstractPhone(kind=phone_kind(label, value), number=value))


def phone_kind(label, number):
    """The ``Phone.Kind`` for a "Tel:", "Fax:" or "TDD:" line: a Tel with a US toll-free area code is toll-free."""
    label = label.casefold()
    if label == "fax":
        return Phone.Kind.FAX.value
    if label == "tdd":
        return Phone.Kind.TDD.value
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10 and digits[:3] in _TOLL_FREE_AREA_CODES:
        return Phone.Kind.TOLL_FREE.value
    return Phone.Kind.TEL.value


def _markdown(blocks):
    """A section's paragraphs as Markdown, short unpunctuated lines before text becoming ``###`` sub-headings."""
    paragraphs = []
    for index, block in enumerate(blocks):
        items = _bullets(block)
        if items is not None:
            if items:
                paragraphs.append("\n".join(f"- {item}" for item in items))
        elif len(block.lines) == 1 and _SUBHEADING.match(block.text) and index < len(blocks) - 1:
            paragraphs.append(f"### {block.text}")
        else:
            paragraphs.append(" ".join(block.lines))
    return "\n\n".join(paragraphs)


def _parse_tail(abstract, blocks):
    """The complete-report paragraph, then disclaimers around the Last Updated and Copyright lines."""
    if blocks and _heading(blocks[0]) == "complete_report":
        blocks = blocks[1:]
        if blocks and not _is_dated_line(blocks[0]):
            abstract.complete_report = blocks[0].text
            blocks = blocks[1:]
    for block in blocks:
        text = block.text
        updated = _LAST_UPDATED.match(text) if len(block.lines) == 1 else None
        if updated:
            abstract.last_updated = _us_date(updated["date"], abstract.origin, block.lineno)
        elif len(block.lines) == 1 and _COPYRIGHT.match(text):
            abstract.copyright = text
        else:
            abstract.disclaimers.append(text)


def _us_date(text, origin, lineno):
    try:
        return datetime.datetime.strptime(text, "%m/%d/%Y").date()
    except ValueError:
        raise NordImportError(f"{origin}, line {lineno}: {text!r} is not a M/D/YYYY date") from None


def _place_index(lines):
    """Index of the "City, ST 12345" line: the last line, or the one before a country line."""
    if lines and _PLACE.match(lines[-1]):
        return len(lines) - 1
    if len(lines) >= 2 and _PLACE.match(lines[-2]) and _COUNTRY.match(lines[-1]):
        return len(lines) - 2
    return None


def structure_address(lines):
    """Split printed address lines into Organization's fields.

    ``Organization.address_lines`` prints them back as the same lines. Only a US
    last line ("City, ST 12345") implies a country; otherwise the country is
    whatever line follows the place, or blank.
    """
    index = _place_index(lines)
    if index is None:
        return PostalAddress(street_address="\n".join(lines))
    place = _PLACE.match(lines[index])
    country = lines[index + 1] if index + 1 < len(lines) else ""
    us_place = _US_PLACE.match(lines[index])
    if not country and us_place and us_place["region"] in _US_STATES:
        country = "United States"
    return PostalAddress(
        street_address="\n".join(lines[:index]),
        locality=place["locality"],
        region=place["region"] or "",
        postal_code=place["postal_code"],
        country=country,
    )


# --- Loading -------------------------------------------------------------------------------------------------------


@dataclass
class ImportedFile:
    origin: str
    title: str
    action: str  # "created", "updated" or "unchanged"


@dataclass
class ImportResult(TitlesByAction):
    """What a load did, file by file, plus the shared organizations it created or completed, and what it dropped."""

    files: list[ImportedFile] = field(default_factory=list)
    organizations_created: list[str] = field(default_factory=list)
    organizations_updated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def outcomes(self):
        return self.files


def load_abstracts(paths, *, publish=False, user=None, allow_shorter=False):
    """Parse every file, then write them all in one transaction (a bad file leaves the database untouched).

    ``publish`` publishes every entry in the run; otherwise new entries are
    drafts and existing ones keep their status. ``user`` is recorded
    on the revisions. See :func:`save_abstracts` for what is written.
    """
    abstracts = [read_abstract(path) for path in paths]
    return save_abstracts(abstracts, publish=publish, user=user, allow_shorter=allow_shorter)


def save_abstracts(abstracts, *, publish=False, user=None, allow_shorter=False):
    """Create or update one entry per parsed abstract, all in one transaction.

    An entry is found by title (the same name by ``disorders.search.normalize_name``:
    case and accents aside), then by its NORD reference.
    What the document lists is added or brought up to date (synonyms,
    subdivisions, NORD's sections, the NORD attribution, resources); rows it
    does not mention, added by editors or other importers, are left alone.
    Shared organizations are matched by name and only ever completed, never
    overwritten. Nothing is saved for a document that changes nothing, so
    ``content_changed_at`` and ``version`` move only on real changes.

    An update never blanks attribution the document lacks, and refuses (the
    whole run) to replace a stored section with less than half its length,
    which is what a damaged file does, unless ``allow_shorter``.
    """
    result = ImportResult()
    if not abstracts:
        return result
    written = []
    # One unit of work for the run (one transaction): each entry found is locked as an editor's save locks it,
    # and gets one revision (which moves the dates and version, and tells derived data such as the search
    # index) once all its rows are written.
    with editing.entry_changes(user=user or history.system_user(), import_run=import_comment("NORD")) as work:
        nord = _nord_source(abstracts)
        for abstract in abstracts:
            found = _find_disorder(abstract, nord)
            disorder = work.lock([found])[found.pk] if found else Disorder(title=abstract.title)
            action = _save_abstract(
                disorder, abstract, nord, publish=publish, result=result, allow_shorter=allow_shorter
            )
            if action != "unchanged":
                work.changed(disorder, comment=import_comment(Path(abstract.origin).name or abstract.title))
            result.files.append(ImportedFile(origin=abstract.origin, title=disorder.title, action=action))
            written.append(disorder.pk)
        if publish:
            # A trusted bulk source: what the run wrote goes to readers (without it, changes wait for review).
            work.publish_all(written, comment="Published by the NORD import")
    return result


def _nord_source(abstracts):
    source = Source.objects.filter(slug=NORD_SLUG).first()
    if source:
        return source
    name = next((abstract.source for abstract in abstracts if abstract.source), NORD_NAME)
    # An editor may have added NORD under another slug; its name is unique too.
    return Source.objects.filter(name__iexact=name).first() or Source.objects.create(
        slug=NORD_SLUG, name=name, short_name=NORD_SHORT_NAME, website=NORD_WEBSITE
    )


def _reference(abstract):
    return abstract.reference or slugify(abstract.title)


def _save_abstract(disorder, abstract, nord, *, publish, result, allow_shorter):
    """Write one abstract into ``disorder`` (a new, unsaved one, or the entry found, locked); returns the action."""
    created = disorder._state.adding
    if created:
        disorder.slug = unique_slug(
            abstract.title, lambda slug: Disorder.objects.holding_address(slug).exists(), fallback="disorder"
        )
        disorder.status = Disorder.Status.PUBLISHED if publish else Disorder.Status.DRAFT
        disorder.save()
    organizations = [_organization(parsed, abstract.origin, result) for parsed in abstract.organizations]
    # A list, not a generator under any(): every step must run.
    changes = [
        _add_names(disorder.synonyms, Synonym, abstract.synonyms),
        _add_names(disorder.subdivisions, Subdivision, abstract.subdivisions),
        _sync_sections(disorder, abstract, nord, allow_shorter=allow_shorter),
        _sync_attribution(disorder, abstract, nord),
        _add_resources(disorder, organizations),
    ]
    if created:
        return "created"
    publishing = publish and disorder.status != Disorder.Status.PUBLISHED
    if not (any(changes) or publishing):
        return "unchanged"
    if publishing:
        disorder.status = Disorder.Status.PUBLISHED
        disorder.save()
    return "updated"


def _find_disorder(abstract, nord):
    same_title = entries_titled(abstract.title).order_by("pk")
    # Two entries may share a title; prefer the one this document was imported into before.
    disorder = (
        same_title.filter(attributions__source=nord, attributions__reference=_reference(abstract)).first()
        or same_title.first()
    )
    if disorder:
        return disorder
    attribution = DisorderSource.objects.filter(source=nord, reference=_reference(abstract)).first()
    return attribution.disorder if attribution else None


def _add_names(related, model, names):
    """Append the names the entry lacks (the same name by ``normalize_name``), after the rows it has."""
    rows = list(related.all())
    known = {normalize_name(row.name) for row in rows}
    position = max((row.position for row in rows), default=-1) + 1
    added = False
    for name in names:
        if normalize_name(name) in known:
            continue
        model.objects.create(disorder=related.instance, name=name, position=position)
        known.add(normalize_name(name))
        position += 1
        added = True
    return added


def _sync_sections(disorder, abstract, nord, *, allow_shorter):
    rows = {section.kind: section for section in disorder.sections.all()}
    position = max((section.position for section in rows.values()), default=-1) + 1
    changed = False
    seen = set()
    for parsed in abstract.sections:
        kind = SECTION_KINDS.get(parsed.heading.casefold())
        if kind is None:
            raise NordImportError(f"{abstract.origin}: no section kind for the heading {parsed.heading!r}")
        if kind in seen:
            raise NordImportError(f"{abstract.origin}: two sections of kind {kind.label!r}")
        seen.add(kind)
        # The standard heading is shown when ours is empty; keep only headings that differ from it.
        heading = "" if parsed.heading.casefold() == kind.label.casefold() else parsed.heading
        section = rows.get(kind)
        if section is None:
            Section.objects.create(
                disorder=disorder, kind=kind, heading=heading, body=parsed.body, source=nord, position=position
            )
            position += 1
            changed = True
        elif not (same_text(section.body, parsed.body) and section.heading == heading and section.source_id == nord.pk):
            if len(parsed.body) < SHORTER_SHARE * len(section.body) and not allow_shorter:
                raise NordImportError(
                    f"{abstract.origin}: would replace the {kind.label} of {disorder.title!r} "
                    f"({len(section.body):,} characters) with {len(parsed.body):,}; nothing was imported. "
                    "Check the file; if NORD really shortened it, run again with --allow-shorter"
                )
            section.body, section.heading, section.source = parsed.body, heading, nord
            section.save(update_fields=["body", "heading", "source"])
            changed = True
    return changed


def _sync_attribution(disorder, abstract, nord):
    wanted = {
        "source_updated_on": abstract.last_updated,
        "copyright": abstract.copyright,
        "complete_report": abstract.complete_report,
        "disclaimer": "\n\n".join(abstract.disclaimers),
        "acknowledgement": abstract.acknowledgement,
    }
    attribution = DisorderSource.objects.filter(disorder=disorder, source=nord).first()
    reference = _reference(abstract)
    if attribution is None or not attribution.reference:
        clash = DisorderSource.objects.filter(source=nord, reference=reference).exclude(disorder=disorder).first()
        if clash:
            raise NordImportError(
                f"{abstract.origin}: matched the entry {disorder.title!r} by title, but the NORD reference "
                f"{reference!r} belongs to {clash.disorder.title!r}; merge or rename one of them first"
            )
    if attribution is None:
        DisorderSource.objects.create(disorder=disorder, source=nord, reference=reference, **wanted)
        return True
    # A document without, say, a complete-report note leaves the stored one: an update adds, never blanks.
    changed = [name for name, value in wanted.items() if value and not same_text(getattr(attribution, name), value)]
    for name in changed:
        setattr(attribution, name, wanted[name])
    if not attribution.reference:
        # An editor's own reference (say "nord592") is kept; only a blank one is filled.
        attribution.reference = reference
        changed.append("reference")
    if changed:
        attribution.save(update_fields=changed)
    return bool(changed)


def _add_resources(disorder, organizations):
    links = list(disorder.resources.all())
    linked = {link.organization_id for link in links}
    position = max((link.position for link in links), default=-1) + 1
    added = False
    for organization in organizations:
        if organization.pk in linked:
            continue
        DisorderResource.objects.create(disorder=disorder, organization=organization, position=position)
        linked.add(organization.pk)
        position += 1
        added = True
    return added


def _contact(parsed, field_name, origin, result):
    """The email or website as the admin would store it; one the admin refuses is dropped, with a warning."""
    value = getattr(parsed, field_name)
    try:
        return admin_value(Organization, field_name, value)
    except ValidationError as error:
        result.warnings.append(f"{origin}: {parsed.name}: {field_name} {value!r} dropped ({' '.join(error.messages)})")
        return ""


def _organization(parsed, origin, result):
    """The shared organization of this name, created, or completed where its details are empty."""
    email, website = (_contact(parsed, name, origin, result) for name in ("email", "website"))
    address = structure_address(parsed.address_lines)
    address_fields = ["street_address", "locality", "region", "postal_code", "country"]
    organization = Organization.objects.filter(name__iexact=parsed.name).first()
    if organization is None:
        organization = Organization.objects.create(
            name=parsed.name,
            slug=unique_slug(
                parsed.name, lambda slug: Organization.objects.filter(slug=slug).exists(), fallback="organization"
            ),
            email=email,
            website=website,
            **{name: getattr(address, name) for name in address_fields},
        )
        _add_phones(organization, parsed.phones)
        result.organizations_created.append(organization.name)
        return organization

    # Shared rows belong to every entry that lists them: fill gaps, never overwrite an editor's details.
    filled = {}
    if not any(getattr(organization, name) for name in address_fields):
        filled.update({name: getattr(address, name) for name in address_fields if getattr(address, name)})
    if not organization.email and email:
        filled["email"] = email
    if not organization.website and website:
        filled["website"] = website
    for name, value in filled.items():
        setattr(organization, name, value)
    if filled:
        organization.save(update_fields=list(filled))
    phones_added = not organization.phones.exists() and _add_phones(organization, parsed.phones)
    reported = result.organizations_created + result.organizations_updated
    if (filled or phones_added) and organization.name not in reported:
        result.organizations_updated.append(organization.name)
    return organization


def _add_phones(organization, phones):
    unique = list(dict.fromkeys((phone.kind, phone.number) for phone in phones))
    for position, (kind, number) in enumerate(unique):
        Phone.objects.create(organization=organization, kind=kind, number=number, position=position)
    return bool(unique)
