"""Published entries out of the site: as JSON, and as NORD abstracts in the Healthwise layout.

:func:`entry_as_dict` is everything the public page shows, as JSON-ready data
(``/disorders/<slug>.json``, ``manage.py export_entries``). :func:`entry_as_nord_text`
writes the layout :mod:`disorders.importers.nord` reads, so an exported entry
imports back as the same entry. :func:`export_queryset` fetches entries with
everything those two need in a fixed number of queries; an :class:`Exporter`
keeps what every entry shares (site disclaimers, classification ancestors) for
a whole run.
"""

import json
import re
from pathlib import Path

from disorders.importers.nord import NORD_SLUG, SECTION_KINDS, structure_address
from disorders.models import Classification, Disclaimer, Disorder, PublishedEntry, Section
from encyclopedia.links import email_address, web_address
from encyclopedia.markup import paragraphs, plain_text
from encyclopedia.reader_pages import absolute_url
from resources.models import Phone

CHUNK_SIZE = 500  # entries fetched (with their prefetched rows) per round trip when exporting all
FORMATS = {"json": ".json", "nord": ".txt"}

# The layout's line labels for each Phone.Kind; NORD prints toll-free numbers as "Tel:".
_PHONE_LABELS = {Phone.Kind.TEL: "Tel", Phone.Kind.TOLL_FREE: "Tel", Phone.Kind.FAX: "Fax", Phone.Kind.TDD: "TDD"}
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*$")
_MARKDOWN_BULLET = re.compile(r"^[-*+]\s+(?P<item>.+)$")
_COPYRIGHT = re.compile(r"^(?:copyright|©)", re.IGNORECASE)


def export_queryset():
    """Published entries with every related row the export reads prefetched, in title order."""
    published = Disorder.objects.published()
    return published.with_entry_content(linkable=published).order_by("title", "pk")


# What a published document holds for the reader page only; the rest is ``Exporter.as_dict``'s shape.
PAGE_KEYS = ("description", "structured_data", "html")


def export_document(document):
    """A published document as ``/disorders/<slug>.json`` and ``export_entries`` give it: ``as_dict``'s keys."""
    return {key: value for key, value in document.items() if key not in PAGE_KEYS}


def published_documents():
    """``(slug, JSON export)`` of every published version, in title order, read ``CHUNK_SIZE`` at a time."""
    entries = PublishedEntry.objects.only("slug", "document").order_by("title", "pk")
    return ((entry.slug, export_document(entry.document)) for entry in entries.iterator(chunk_size=CHUNK_SIZE))


def carries_nord_text(attributions):
    """Whether an entry reproduces NORD's text: NORD's notices and layout belong to those entries only."""
    return any(attribution.source.slug == NORD_SLUG for attribution in attributions)


def entry_as_dict(disorder):
    """Everything the entry's public page shows, as JSON-ready data (fetch it through :func:`export_queryset`)."""
    return Exporter().as_dict(disorder)


def entry_as_nord_text(disorder):
    """The entry as a NORD abstract in the Healthwise layout; see :meth:`Exporter.as_nord_text`."""
    return Exporter().as_nord_text(disorder)


class Exporter:
    """Writes entries; loads what they all share once, so a run over every entry stays cheap."""

    def __init__(self):
        disclaimers = list(Disclaimer.objects.all())
        self.title_notice = next((d for d in disclaimers if d.kind == Disclaimer.Kind.TITLE_NOTICE), None)
        self.site_disclaimers = [d for d in disclaimers if d.kind != Disclaimer.Kind.TITLE_NOTICE]
        self._paths = None  # classification pk -> names from its root down to it, loaded when an entry needs one

    # --- JSON ------------------------------------------------------------------------------------------------------

    def as_dict(self, disorder):
        """Everything the entry's public page shows; no status, review or editor data."""
        return {
            "title": disorder.title,
            "slug": disorder.slug,
            "url": absolute_url(disorder.get_absolute_url()),
            "summary": disorder.summary,
            "title_notice": self.title_notice.render_for(disorder)
            if self.title_notice and carries_nord_text(disorder.attributions.all())
            else "",
            "synonyms": [synonym.name for synonym in disorder.synonyms.all()],
            "subdivisions": [
                {"name": subdivision.name, "url": _linked_entry_url(subdivision)}
                for subdivision in disorder.subdivisions.all()
            ],
            "facts": {
                "prevalence": disorder.prevalence,
                "age_of_onset": disorder.age_of_onset,
                "inheritance": disorder.inheritance,
            },
            # Most relevant first (the model's order), as the page lists them.
            "prevalences": [
                {
                    "type": prevalence.kind,
                    "class": prevalence.prevalence_class,
                    "mean_value": float(prevalence.mean_value) if prevalence.mean_value is not None else None,
                    "geography": prevalence.geography,
                    "qualification": prevalence.qualification,
                    "source": prevalence.source,
                }
                for prevalence in disorder.prevalences.all()
            ],
            "genes": [
                {
                    "symbol": link.gene.symbol,
                    "name": link.gene.name,
                    "association": link.association,
                    "hgnc_id": link.gene.hgnc_id,
                    "omim_id": link.gene.omim_id,
                    "url": absolute_url(link.gene.get_absolute_url()),
                }
                for link in disorder.gene_associations.all()
            ],
            "signs": [
                {"hpo_id": link.sign.hpo_id, "name": link.sign.name, "frequency": link.frequency}
                for link in disorder.signs.all()
            ],
            "sections": [
                {
                    "kind": section.kind,
                    "heading": section.display_heading,
                    "body": section.body,
                    "source": section.source.name if section.source else None,
                }
                for section in disorder.sections.all()
            ],
            "classifications": [
                {"name": node.name, "path": path, "url": absolute_url(node.get_absolute_url())}
                for node, path in self.classification_paths(disorder.classifications.all())
            ],
            "codes": [
                {"system": code.system, "value": code.value, "relation": code.relation, "url": code.url or None}
                for code in disorder.codes.all()
            ],
            "sources": [self._source_dict(attribution) for attribution in disorder.attributions.all()],
            "resources": [self._organization_dict(link.organization) for link in disorder.resources.all()],
            "disclaimers": [
                {"kind": disclaimer.kind, "title": disclaimer.title, "body": disclaimer.body}
                for disclaimer in self.site_disclaimers
            ],
            "last_updated": disorder.content_changed_at.isoformat() if disorder.content_changed_at else None,
            "published": disorder.published_at.isoformat() if disorder.published_at else None,
        }

    @staticmethod
    def _source_dict(attribution):
        source = attribution.source
        return {
            "name": source.name,
            "short_name": source.short_name,
            "website": web_address(source.website),
            "notice": source.notice,
            "reference": attribution.reference,
            "url": web_address(attribution.url),
            "source_updated_on": attribution.source_updated_on.isoformat() if attribution.source_updated_on else None,
            "copyright": attribution.copyright,
            "complete_report": attribution.complete_report,
            "disclaimers": paragraphs(attribution.disclaimer),
            "acknowledgement": attribution.acknowledgement,
        }

    @staticmethod
    def _organization_dict(organization):
        return {
            "name": organization.name,
            "url": absolute_url(organization.get_absolute_url()),
            "address_lines": organization.address_lines,
            "phones": [{"kind": phone.kind, "number": phone.number} for phone in organization.phones.all()],
            "email": email_address(organization.email),
            "website": web_address(organization.website),
        }

    def classification_paths(self, nodes):
        """Each node with its path: names from its tree's root down to the node (one query for the whole run)."""
        nodes = list(nodes)
        if hasattr(next(iter(nodes), None), "path_names"):  # fetched with_entry_content(): paths came along
            return [(node, node.path_names) for node in nodes]
        if nodes and self._paths is None:
            # The tree query walks every tree whatever it is asked for, so one query serves every entry of a run.
            self._paths = dict(Classification.objects.with_paths().values_list("pk", "path_names"))
        return [(node, self._paths.get(node.pk, [node.name])) for node in nodes]

    # --- NORD text ---------------------------------------------------------------------------------------------------

    def as_nord_text(self, disorder):
        """The entry in the Healthwise layout, which ``import_nord`` reads back to the same entry.

        Blank lines carry the structure as the importer expects: one between the
        lines of one thing, two or more between things. The text carries one
        source (NORD's attribution if the entry has one, else its first), prints
        a custom section heading only when NORD would recognize it, and cannot
        place a source's disclaimers when it has no complete-report note, date
        or copyright line to anchor them (they are in the JSON).
        """
        attributions = list(disorder.attributions.all())
        attribution = next((a for a in attributions if a.source.slug == NORD_SLUG), None) or next(
            iter(attributions), None
        )
        things = ["Health Encyclopedia", disorder.title + ("\n\n" + attribution.source.name if attribution else "")]
        if self.title_notice:
            things.append("Important\n\n" + plain_text(self.title_notice.render_for(disorder)))
        names = []
        synonyms = [synonym.name for synonym in disorder.synonyms.all()]
        if synonyms:
            names.append("Synonyms\n\n" + _bullet_lines(synonyms))
        subdivisions = [subdivision.name for subdivision in disorder.subdivisions.all()]
        names.append("Disorder Subdivisions\n\n" + _bullet_lines(subdivisions or ["None"]))
        things.append("\n\n".join(names))
        for section in disorder.sections.all():
            things.append(_nord_heading(section))
            things.extend(_layout_paragraphs(section.body))
        organizations = [link.organization for link in disorder.resources.all()]
        if organizations:
            things.append("Resources")
            things.extend("\n\n".join(_organization_lines(organization)) for organization in organizations)
        if attribution:
            things.append("\n\n".join(_closing_notes(attribution)))
        # Three blank lines between things, as in NORD's files; the importer needs two.
        return "\n\n\n\n".join(thing for thing in things if thing) + "\n"


def _linked_entry_url(subdivision):
    """The subtype's own entry, linked only when published, as on the page."""
    if subdivision.linked_disorder_id is None:
        return None
    published = getattr(subdivision, "linked_disorder_visible", None)  # annotated by export_queryset()
    if published is None:
        published = Disorder.objects.published().filter(pk=subdivision.linked_disorder_id).exists()
    return absolute_url(subdivision.linked_disorder.get_absolute_url()) if published else None


def _bullet_lines(items):
    return "\n".join(f"  • {item}" for item in items)


def _nord_heading(section):
    """The heading NORD prints: the section's own, if the importer maps it back to this kind, else the standard one."""
    if section.heading and SECTION_KINDS.get(section.heading.casefold()) == section.kind:
        return section.heading
    # NORD prints the standard headings in title case: "Signs & Symptoms", "Standard Therapies".
    return Section.Kind(section.kind).label.title()


def _layout_paragraphs(body):
    """A Markdown body as the layout's paragraphs: "### X" as a plain sub-heading line, bullets as "•" lines."""
    found = []
    for paragraph in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if not lines:
            continue
        heading = _MARKDOWN_HEADING.match(lines[0]) if len(lines) == 1 else None
        bullets = [_MARKDOWN_BULLET.match(line) for line in lines]
        if heading:
            found.append(heading["text"])
        elif all(bullets):
            found.append(_bullet_lines(match["item"] for match in bullets))
        else:
            found.append(" ".join(lines))
    return found


def _organization_lines(organization):
    lines = [organization.name, *organization.address_lines]
    # NORD leaves out the country of a US address; the importer puts it back from the "City, ST 12345" line.
    if organization.country and structure_address(lines[1:-1]).country == organization.country:
        lines = lines[:-1]
    lines += [f"{_PHONE_LABELS[phone.kind]}: {phone.number}" for phone in organization.phones.all()]
    if email := email_address(organization.email):
        lines.append(f"Email: {email}")
    if website := web_address(organization.website):
        lines.append(f"Internet: {website}")
    return lines


def _closing_notes(attribution):
    """The complete-report note, then the lines the importer anchors the closing notes on, then free paragraphs."""
    notes = []
    if attribution.complete_report:
        # One paragraph, as NORD prints it; kept as written (Markdown and all) so it reads back unchanged.
        notes += ["For a Complete Report", " ".join(attribution.complete_report.split())]
    if attribution.source_updated_on:
        date = attribution.source_updated_on
        notes.append(f"Last Updated: {date.month}/{date.day}/{date.year}")
    if attribution.copyright:
        copyright_line = " ".join(attribution.copyright.split())
        notes.append(copyright_line if _COPYRIGHT.match(copyright_line) else f"Copyright {copyright_line}")
    if notes:
        notes += paragraphs(attribution.acknowledgement)
        notes += paragraphs(attribution.disclaimer)
    return notes


# --- Whole runs ----------------------------------------------------------------------------------------------------


def iter_entries(queryset=None):
    """Published entries for export, fetched ``CHUNK_SIZE`` at a time with their related rows."""
    return (queryset if queryset is not None else export_queryset()).iterator(chunk_size=CHUNK_SIZE)


def json_array_chunks(entries=None, exporter=None):
    """One JSON array, as strings to write one after another: the published documents (by default), or
    :func:`entry_as_dict` of the given entries."""
    if entries is None:
        dicts = (document for _, document in published_documents())
    else:
        exporter = exporter or Exporter()
        dicts = (exporter.as_dict(disorder) for disorder in entries)
    opened = False
    for data in dicts:
        yield ",\n" if opened else "[\n"
        opened = True
        yield json.dumps(data, ensure_ascii=False, indent=2)
    yield "\n]\n" if opened else "[]\n"


def export_to_directory(directory, output_format, entries=None):
    """Write one ``<slug>.json`` or ``<slug>.txt`` file per published entry; returns the paths written."""
    if output_format not in FORMATS:
        raise ValueError(f"Unknown export format {output_format!r}; choose one of {', '.join(FORMATS)}.")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    if output_format == "json" and entries is None:
        # What readers see: the published versions' documents.
        for slug, document in published_documents():
            path = directory / f"{slug}.json"
            path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(path)
        return written
    exporter = Exporter()
    for disorder in entries if entries is not None else iter_entries():
        if output_format == "json":
            text = json.dumps(exporter.as_dict(disorder), ensure_ascii=False, indent=2) + "\n"
        else:
            text = exporter.as_nord_text(disorder)
        path = directory / f"{disorder.slug}{FORMATS[output_format]}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
