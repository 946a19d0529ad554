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
"""

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from disorders import history
from disorders.importers import TitlesByAction, same_text, unique_slug
from disorders.models import (
    Disorder,
    DisorderResource,
    DisorderSource,
    PreviousSlug,
    Section,
    Source,
    Subdivision,
    Synonym,
)
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
    # Lone capitals: the font-size "A" buttons, an A-Z bar on one line or one letter a line.
    re.compile(r"^(?:[A-Z#]|0-9)(?:(?:\s+|\s*\|\s*)(?:[A-Z#]|0-9))*$"),
]
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
        data = path.read_bytes()
    except OSError as error:
        raise NordImportError(f"{path}: cannot be read ({error.strerror})") from error
    if b"\x00" in data:
        raise NordImportError(f"{path}: is a binary file, not a text abstract (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NordImportError(f"{path}: is not UTF-8 text (undecodable byte at offset {error.start})") from error
    return parse_abstract(text, origin=str(path), reference=path.stem)


def parse_abstract(text, *, origin="<text>", reference=""):
    """Parse the text of one abstract; ``origin`` names it in error messages.

    Raises :class:`NordImportError` for an empty document, one without a title,
    or text in a place the layout has no room for (rather than dropping it).
    """
    if not text.lstrip("\ufeff").strip():
        raise NordImportError(f"{origin}: the file is empty")
    blocks = _blocks(text)
    if blocks and len({line.casefold() for line in blocks[0].lines}) == 1:
        blocks[0].lines = blocks[0].lines[:1]  # the title printed twice on consecutive lines
    if not blocks or not _is_plain_line(blocks[0]) or len(blocks[0].text) > 255:
        found = f"found {blocks[0].text[:60]!r} on line {blocks[0].lineno}" if blocks else "found only site furniture"
        raise NordImportError(f"{origin}: has no title (expected the disorder's name first; {found})")
    abstract = Abstract(title=blocks[0].text, reference=reference, origin=origin)
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
    """What a load did, file by file, plus the shared organizations it created or completed."""

    files: list[ImportedFile] = field(default_factory=list)
    organizations_created: list[str] = field(default_factory=list)
    organizations_updated: list[str] = field(default_factory=list)

    @property
    def outcomes(self):
        return self.files


def load_abstracts(paths, *, publish=False, user=None):
    """Parse every file, then write them all in one transaction (a bad file leaves the database untouched).

    ``publish`` publishes every entry in the run; otherwise new entries are
    drafts and existing ones keep their status. ``user`` is recorded
    on the revisions. See :func:`save_abstracts` for what is written.
    """
    abstracts = [read_abstract(path) for path in paths]
    return save_abstracts(abstracts, publish=publish, user=user)


def save_abstracts(abstracts, *, publish=False, user=None):
    """Create or update one entry per parsed abstract, all in one transaction.

    An entry is found by title (case-insensitively), then by its NORD reference.
    What the document lists is added or brought up to date (synonyms,
    subdivisions, NORD's sections, the NORD attribution, resources); rows it
    does not mention, added by editors or other importers, are left alone.
    Shared organizations are matched by name and only ever completed, never
    overwritten. Nothing is saved for a document that changes nothing, so
    ``content_changed_at`` and ``version`` move only on real changes.
    """
    result = ImportResult()
    if not abstracts:
        return result
    with transaction.atomic():
        nord = _nord_source(abstracts)
        for abstract in abstracts:
            disorder, action = _save_abstract(abstract, nord, publish=publish, result=result)
            if action != "unchanged":
                # One revision per entry, as an editor's save makes; it moves the dates and version, and tells
                # derived data (the search index), once all the entry's rows are written.
                history.record_revision(
                    disorder,
                    user=user or history.system_user(),
                    comment=f"Imported from {Path(abstract.origin).name or abstract.title}",
                )
            result.files.append(ImportedFile(origin=abstract.origin, title=disorder.title, action=action))
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


def _save_abstract(abstract, nord, *, publish, result):
    disorder = _find_disorder(abstract, nord)
    created = disorder is None
    if created:
        disorder = Disorder.objects.create(
            title=abstract.title,
            slug=unique_slug(abstract.title, _in_use(Disorder.objects, PreviousSlug.objects), fallback="disorder"),
            status=Disorder.Status.PUBLISHED if publish else Disorder.Status.DRAFT,
        )
    else:
        # Locked as an editor's save locks it; history keeps the entry as it stood if it has nothing yet.
        disorder = Disorder.objects.select_for_update().get(pk=disorder.pk)
        history.ensure_baseline(disorder)
    organizations = [_organization(parsed, result) for parsed in abstract.organizations]
    # A list, not a generator under any(): every step must run.
    changes = [
        _add_names(disorder.synonyms, Synonym, abstract.synonyms),
        _add_names(disorder.subdivisions, Subdivision, abstract.subdivisions),
        _sync_sections(disorder, abstract, nord),
        _sync_attribution(disorder, abstract, nord),
        _add_resources(disorder, organizations),
    ]
    if created:
        return disorder, "created"
    publishing = publish and disorder.status != Disorder.Status.PUBLISHED
    if not (any(changes) or publishing):
        return disorder, "unchanged"
    if publishing:
        disorder.status = Disorder.Status.PUBLISHED
        disorder.save()
    return disorder, "updated"


def _find_disorder(abstract, nord):
    same_title = Disorder.objects.filter(title__iexact=abstract.title).order_by("pk")
    # Two entries may share a title; prefer the one this document was imported into before.
    disorder = (
        same_title.filter(attributions__source=nord, attributions__reference=_reference(abstract)).first()
        or same_title.first()
    )
    if disorder:
        return disorder
    attribution = DisorderSource.objects.filter(source=nord, reference=_reference(abstract)).first()
    return attribution.disorder if attribution else None


def _in_use(*managers):
    """For :func:`unique_slug`: a slug is taken when any of these tables has it."""
    return lambda slug: any(manager.filter(slug=slug).exists() for manager in managers)


def _add_names(related, model, names):
    """Append the names the entry lacks (compared case-insensitively), after the rows it has."""
    rows = list(related.all())
    known = {row.name.casefold() for row in rows}
    position = max((row.position for row in rows), default=-1) + 1
    added = False
    for name in names:
        if name.casefold() in known:
            continue
        model.objects.create(disorder=related.instance, name=name, position=position)
        known.add(name.casefold())
        position += 1
        added = True
    return added


def _sync_sections(disorder, abstract, nord):
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
    changed = [name for name, value in wanted.items() if not same_text(getattr(attribution, name), value)]
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


def _website(value):
    # The admin assumes https for bare domains; do the same.
    return value if not value or re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE) else f"https://{value}"


def _organization(parsed, result):
    """The shared organization of this name, created, or completed where its details are empty."""
    address = structure_address(parsed.address_lines)
    address_fields = ["street_address", "locality", "region", "postal_code", "country"]
    organization = Organization.objects.filter(name__iexact=parsed.name).first()
    if organization is None:
        organization = Organization.objects.create(
            name=parsed.name,
            slug=unique_slug(parsed.name, _in_use(Organization.objects), fallback="organization"),
            email=parsed.email,
            website=_website(parsed.website),
            **{name: getattr(address, name) for name in address_fields},
        )
        _add_phones(organization, parsed.phones)
        result.organizations_created.append(organization.name)
        return organization

    # Shared rows belong to every entry that lists them: fill gaps, never overwrite an editor's details.
    filled = {}
    if not any(getattr(organization, name) for name in address_fields):
        filled.update({name: getattr(address, name) for name in address_fields if getattr(address, name)})
    if not organization.email and parsed.email:
        filled["email"] = parsed.email
    if not organization.website and parsed.website:
        filled["website"] = _website(parsed.website)
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
