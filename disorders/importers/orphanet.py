"""Orphanet open data (CC BY 4.0): parsers for its four files and one loader.

Parsing is pure: files in, plain dataclasses out, no database.

- :func:`read_packets` streams ORPHApackets (``ORPHApacket_<code>.json``: one file, a
  directory of them, or the ``.tar.gz`` Orphanet publishes) into :class:`Packet` objects.
- :func:`read_nomenclature` reads the nomenclature master file (sheets ``ICD10`` and
  ``ICD11``): ICD codes and extra names per ORPHAcode.
- :func:`read_rare_disease_list` reads the deprecated and obsolete ORPHAcodes from the
  list of rare diseases (sheet ``List_deprecated_obsoleted``).
- :func:`read_classifications` reads the classification trees (JDBOR XML: a file, a
  directory or a ``.tar.gz``).

Loading (:func:`load_orphanet`, :func:`save_orphanet`) writes everything in one
transaction, so a bad file, found while parsing, leaves the database untouched.

How Orphanet's concepts land in the model:

- Disorders (Disease, Malformation syndrome, …) and subtypes become entries: title,
  synonyms, a Definition section attributed to the Orphanet source, prevalence, age of
  onset, inheritance, ORPHA and OMIM codes, and an Orphanet attribution ("ORPHA:86834").
  Every prevalence record, gene association (genes are shared rows, matched by symbol)
  and HPO sign with its frequency class (signs shared, matched by HPO id) is added too.
  A packet also lists the genes of its children (``Children``); those are the children's
  own, listed in their own packets, so only the packet's top-level ``Genes`` are its entry's.
  A subtype is also listed as a linked subdivision of the entry above it.
- Groups (Category, Clinical group) become classification nodes with
  ``external_id = "ORPHA:<code>"``. The classification trees give them their hierarchy:
  each tree is a root node named after it, its top group folded into that root, its
  groups nested below. Groups that no tree holds (three trees are missing from the
  published set, and packets name groups that have no packet) sit flat under one root,
  "Orphanet groups of disorders": Orphanet's groups have several parents, which a
  single-parent tree can only show by choosing one arbitrarily. An entry is attached to
  every node of each group its packet names as a parent.
- Entries are matched before anything is created: by exact ORPHA code or Orphanet
  reference, then by a deprecated code replaced by this one, then by name (title or
  synonym, ignoring case and accents). Matched entries only gain rows; text written by
  editors or other sources is never overwritten, and a second run changes nothing.
"""

import datetime
import html
import io
import json
import re
import tarfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import asdict, astuple, dataclass, field
from dataclasses import fields as dataclass_fields
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path

import openpyxl
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from openpyxl.utils.exceptions import InvalidFileException

from disorders import editing, history
from disorders.importers import TitlesByAction, import_comment, repair_cp1252, same_text, unique_slug
from disorders.models import (
    HPO_ID_FORMAT,
    Classification,
    Code,
    Disorder,
    DisorderSign,
    DisorderSource,
    Gene,
    GeneAssociation,
    Prevalence,
    RetiredCode,
    Section,
    Sign,
    Source,
    Subdivision,
    Synonym,
)
from disorders.search import normalize_name

ORPHANET_SLUG = "orphanet"
ORPHANET_NAME = "Orphanet"
ORPHANET_WEBSITE = "https://www.orpha.net"
ORPHANET_NOTICE = (
    "Orphanet, INSERM — [www.orpha.net](https://www.orpha.net). "
    "Licensed under [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/)."
)
GROUPS_ROOT_NAME = "Orphanet groups of disorders"

GROUP_TYPES = frozenset({"Category", "Clinical group"})
SUBTYPE_TYPES = frozenset({"Clinical subtype", "Etiological subtype", "Histopathological subtype"})
DISORDER_TYPES = frozenset(
    {
        "Disease",
        "Malformation syndrome",
        "Morphological anomaly",
        "Biological anomaly",
        "Clinical syndrome",
        "Particular clinical situation in a disease or syndrome",
    }
)

# Orphanet states each mapping from the ORPHAcode's side; Code.relation states it from the code's side.
OMIM_RELATIONS = {
    "E": Code.Relation.EXACT,  # "the two concepts are equivalent"
    "BTNT": Code.Relation.NARROWER,  # "ORPHAcode is broader than the targeted code": OMIM is the narrower one
    "NTBT": Code.Relation.BROADER,  # "ORPHAcode is narrower than the targeted code": OMIM is the broader one
}
RETIRED_STATUSES = {"deprecated": RetiredCode.Status.DEPRECATED, "obsolete": RetiredCode.Status.OBSOLETE}

# Values Orphanet uses when it has no data; an empty fact says the same thing.
_NO_DATA = frozenset({"no data", "no data available", "not yet documented"})
_PREVALENCE_TYPES = ["Point prevalence", "Prevalence at birth", "Annual incidence", "Lifetime Prevalence"]
_CASES = "Cases/families"
_MEAN_PLACES = Decimal("0.0001")
_UNKNOWN_CLASS = "unknown"  # a prevalence record without a class is stored with an empty one
_BROAD_AREAS = ("Worldwide", "Europe")  # a class for these is stated without naming the area, as Orphanet does
# Orphanet's HPO frequency classes ("Very frequent (99-80%)"), by the words before the figures.
_FREQUENCIES = {
    "obligate": DisorderSign.Frequency.OBLIGATE,
    "very frequent": DisorderSign.Frequency.VERY_FREQUENT,
    "frequent": DisorderSign.Frequency.FREQUENT,
    "occasional": DisorderSign.Frequency.OCCASIONAL,
    "very rare": DisorderSign.Frequency.VERY_RARE,
    "excluded": DisorderSign.Frequency.EXCLUDED,
}
_HPO_ID = re.compile(HPO_ID_FORMAT)
_GENE_SYMBOL = re.compile(r"^[A-Za-z0-9@._-]+$")
_ICD_MARK = re.compile(r"[+*†]$")  # ICD-10 dagger (etiology) and asterisk (manifestation) marks
_PROGRESS_EVERY = 500
_BATCH = 1000


class OrphanetImportError(Exception):
    """A file that cannot be imported; the message names the file and the problem."""


@dataclass(frozen=True)
class Reference:
    """Another ORPHAcode a packet points at (a parent), with the label it gives it."""

    code: str
    label: str


@dataclass(frozen=True)
class Mapping:
    system: str  # a Code.System value
    value: str
    relation: str  # a Code.Relation value


@dataclass(frozen=True)
class PrevalenceRecord:
    kind: str
    prevalence_class: str  # "" where Orphanet gives none ("no data", "Unknown")
    mean_value: Decimal | None
    geography: str
    qualification: str
    source: str


@dataclass(frozen=True)
class GeneRecord:
    symbol: str
    name: str
    association: str
    hgnc_id: str = ""
    omim_id: str = ""


@dataclass(frozen=True)
class SignRecord:
    hpo_id: str
    name: str
    frequency: str  # a DisorderSign.Frequency value


@dataclass
class Packet:
    """One ORPHApacket, reduced to what an entry or a classification node shows."""

    code: str
    label: str
    disorder_type: str
    synonyms: list[str] = field(default_factory=list)
    definition: str = ""  # Markdown
    parents: list[Reference] = field(default_factory=list)
    prevalence: str = ""
    age_of_onset: str = ""
    inheritance: str = ""
    prevalences: list[PrevalenceRecord] = field(default_factory=list)
    genes: list[GeneRecord] = field(default_factory=list)
    signs: list[SignRecord] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    # External references whose stated relation has no honest Code.Relation: (system, value, relation as stated).
    unmapped: list[tuple[str, str, str]] = field(default_factory=list)
    copyright: str = ""
    created_on: datetime.date | None = None  # the packet's creationDate: the source's own date for its text
    origin: str = ""

    @property
    def kind(self):
        """ "group", "subtype", "disorder", or "" for a type this importer does not know."""
        if self.disorder_type in GROUP_TYPES:
            return "group"
        if self.disorder_type in SUBTYPE_TYPES:
            return "subtype"
        if self.disorder_type in DISORDER_TYPES:
            return "disorder"
        return ""


@dataclass
class NomenclatureEntry:
    """What the nomenclature master file says about one ORPHAcode."""

    preferred_term: str = ""
    synonyms: list[str] = field(default_factory=list)
    codes: list[Mapping] = field(default_factory=list)


@dataclass(frozen=True)
class RetiredOrphaCode:
    code: str
    status: str  # a RetiredCode.Status value
    replaced_by: str  # "" when Orphanet names no target
    label: str = ""


@dataclass
class TreeNode:
    code: str
    name: str
    disorder_type: str
    children: list["TreeNode"] = field(default_factory=list)

    @property
    def is_group(self):
        return self.disorder_type in GROUP_TYPES


@dataclass
class ClassificationTree:
    """One Orphanet classification: its name and its top nodes."""

    identifier: str  # Orphanet's number for the classification, e.g. "146"
    name: str  # "Orphanet classification of rare cardiac diseases"
    roots: list[TreeNode]
    origin: str = ""


# --- Text ---------------------------------------------------------------------------------------------------------


def clean_name(text):
    """A label or synonym as plain text: entities decoded, stray tags dropped, spaces collapsed."""
    if text.isascii() and "<" not in text and "&" not in text:
        return " ".join(text.split())  # most labels: no tag, entity or Windows-1252 leftover to repair
    return " ".join(repair_cp1252(html.unescape(re.sub(r"</?[a-zA-Z][^<>]*>", "", text))).split())


def definition_markdown(text):
    """Orphanet's definition text as Markdown.

    Orphanet marks gene names with ``<i>`` and writes some characters as HTML entities;
    italics become Markdown emphasis, entities become characters, and backticks
    (used as opening quotes) are escaped so they do not start code spans.
    """
    text = re.sub(r"<i<", "<i>", text, flags=re.IGNORECASE)  # one packet has "<i<SYNE1</i>"
    text = re.sub(r"<i>\s*(.*?)\s*</i>", r"*\1*", text, flags=re.IGNORECASE | re.DOTALL)
    text = re.sub(r"</?[a-zA-Z][^<>]*>", "", text)
    text = repair_cp1252(html.unescape(text)).replace("\ufb01", "fi").replace("\ufb02", "fl")
    return " ".join(text.replace("`", "\\`").split())


# --- Packets --------------------------------------------------------------------------------------------------------


def _unwrap(node, key):
    """The items under ``key``, whichever of Orphanet's shapes holds them.

    The same list appears as ``[{key: item}, …]``, ``{key: [item, …]}`` or
    ``[{key: [item, …]}]`` from one packet to the next.
    """
    if node is None:
        return
    if isinstance(node, list):
        for item in node:
            yield from _unwrap(item, key)
    elif isinstance(node, dict) and key in node:
        yield from _unwrap(node[key], key)
    else:
        yield node


def _text(value):
    if isinstance(value, dict):
        value = value.get("value")
    return clean_name(value) if isinstance(value, str) else ""


# How a message names a JSON value that is not what the packet should hold there (bool before int: True is an int).
_JSON_SHAPES = [(list, "a list"), (dict, "an object"), (bool, "true or false"), (int, "a number"), (float, "a number")]


def _shape(value):
    return next((name for kind, name in _JSON_SHAPES if isinstance(value, kind)), type(value).__name__)


def _required_text(packet, key, origin, code):
    """The text under ``key`` (a string, or an object with a "value"); a message says what is wrong when it is not."""
    if text := _text(packet.get(key)):
        return text
    value = packet.get(key)
    value = value.get("value") if isinstance(value, dict) else value
    if value is None or isinstance(value, str):
        raise OrphanetImportError(f"{origin}: ORPHA:{code} has no {key}")
    raise OrphanetImportError(f"{origin}: ORPHA:{code}: {key} is {_shape(value)}, expected text")


def _orphacode(value, origin, whose=""):
    """An ORPHAcode as text: packets write "86834", a whole number will do; a message says what is wrong otherwise."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return value.strip()
    if isinstance(value, float):
        raise OrphanetImportError(f"{origin}: {whose}ORPHAcode {value!r} is not a whole number")
    if isinstance(value, str):
        raise OrphanetImportError(f"{origin}: {whose}ORPHAcode {value!r} is not a number")
    raise OrphanetImportError(f"{origin}: {whose}ORPHAcode is {_shape(value)}, expected a number")


def _listed(values):
    """Values in the packet's order, once each, without Orphanet's no-data placeholders."""
    kept = [value for value in dict.fromkeys(values) if value and value.casefold() not in _NO_DATA]
    return ", ".join(kept)[:200]


def _prevalence(items):
    """The one figure an entry shows: point prevalence first, worldwide or European first, a class before "Unknown"."""
    candidates = []
    for item in items:
        stated = _text(item.get("PrevalenceClass"))
        if not stated or stated.casefold() in _NO_DATA:
            continue
        kind = _text(item.get("PrevalenceType"))
        area = _text(item.get("PrevalenceGeographic"))
        kind_rank = _PREVALENCE_TYPES.index(kind) if kind in _PREVALENCE_TYPES else len(_PREVALENCE_TYPES)
        area_rank = _BROAD_AREAS.index(area) if area in _BROAD_AREAS else len(_BROAD_AREAS)
        candidates.append(((stated.casefold() == "unknown", kind_rank, area_rank), stated, kind, area))
    if not candidates:
        return ""
    _, stated, kind, area = min(candidates, key=lambda candidate: candidate[0])
    qualifiers = []
    if kind not in ("Point prevalence", _CASES, ""):
        qualifiers.append(kind.lower())
    if area and area not in _BROAD_AREAS and stated.casefold() != "unknown":
        qualifiers.append(area)
    return (f"{stated} ({', '.join(qualifiers)})" if qualifiers else stated)[:200]


def _prevalence_record(item, origin, code):
    mean = _text(item.get("ValMoy"))
    try:
        # As stored (four decimals), so that a re-run recognizes the record.
        mean_value = None if not mean or mean.casefold() in _NO_DATA else Decimal(mean).quantize(_MEAN_PLACES)
    except InvalidOperation:
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: a prevalence's ValMoy {mean!r} is not a number") from None
    stated = _text(item.get("PrevalenceClass"))
    qualification = _text(item.get("PrevalenceQualification"))
    return PrevalenceRecord(
        kind=_text(item.get("PrevalenceType"))[:50],
        prevalence_class="" if stated.casefold() in _NO_DATA | {_UNKNOWN_CLASS} else stated[:50],
        # 0 is what Orphanet writes where a mean means nothing (a class only, a count of cases).
        mean_value=mean_value or None,
        geography=_text(item.get("PrevalenceGeographic"))[:100],
        qualification="" if qualification.casefold() in _NO_DATA else qualification[:50],
        source=_text(item.get("Source"))[:255],
    )


def _gene_record(item, origin, code):
    symbol = _text(item.get("Symbol"))
    if not symbol:
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: a gene has no Symbol")
    if not _GENE_SYMBOL.match(symbol):
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: gene symbol {symbol!r} is not a gene symbol")
    association = _text(item.get("DisorderGeneAssociationType"))
    if not association:
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: gene {symbol} has no DisorderGeneAssociationType")
    ids = {}
    for reference in _leaves(item.get("ExternalReferences"), "ExternalReference", dict, origin, f"{symbol} references"):
        system, value = _text(reference.get("Source")), str(reference.get("Reference") or "").strip()
        if system in ("HGNC", "OMIM"):
            if not value.isdigit():
                raise OrphanetImportError(f"{origin}: ORPHA:{code}: gene {symbol}: {system} {value!r} is not a number")
            ids.setdefault(system, value)
    return GeneRecord(
        symbol=symbol[:50],
        name=_text(item.get("Name"))[:255],
        association=association[:100],
        hgnc_id=ids.get("HGNC", ""),
        omim_id=ids.get("OMIM", ""),
    )


def _sign_record(item, origin, code):
    hpo_id = _text(item.get("HPOId"))
    if not _HPO_ID.match(hpo_id):
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: phenotype HPOId {hpo_id!r} is not an HPO id (HP:0000000)")
    name = _text(item.get("HPOTerm"))
    if not name:
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: phenotype {hpo_id} has no HPOTerm")
    stated = _text(item.get("HPOFrequency"))
    frequency = _FREQUENCIES.get(stated.split("(", 1)[0].strip().casefold())
    if frequency is None:
        raise OrphanetImportError(f"{origin}: ORPHA:{code}: phenotype {hpo_id} has an unknown HPOFrequency {stated!r}")
    return SignRecord(hpo_id=hpo_id, name=name[:255], frequency=frequency)


def _leaves(node, key, expected, origin, what):
    if isinstance(node, str) and node.casefold() in _NO_DATA:
        return  # "Genes": "no data"
    for item in _unwrap(node, key):
        if not isinstance(item, expected):
            raise OrphanetImportError(f"{origin}: unexpected {what} entry {json.dumps(item)[:60]}")
        yield item


def _packet_date(value):
    """A packet's "2025-12-09 10:41:42" as a date; None when absent or not a date."""
    try:
        return datetime.date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def parse_packet(data, *, origin="<packet>"):
    """One ORPHApacket (the decoded JSON document) as a :class:`Packet`.

    Raises :class:`OrphanetImportError` naming ``origin`` when the document is not a
    packet or lacks its code, label or type.
    """
    packet = data.get("Orphapacket") if isinstance(data, dict) else None
    if not isinstance(packet, dict):
        raise OrphanetImportError(f"{origin}: is not an ORPHApacket (no 'Orphapacket' object)")
    if packet.get("ORPHAcode") in (None, ""):
        raise OrphanetImportError(f"{origin}: has no ORPHAcode")
    code = _orphacode(packet["ORPHAcode"], origin)
    label = _required_text(packet, "Label", origin, code)
    disorder_type = _required_text(packet, "DisorderType", origin, code)

    parsed = Packet(code=code, label=label, disorder_type=disorder_type, origin=origin)
    parsed.copyright = _text(packet.get("copyright"))
    parsed.created_on = _packet_date(packet.get("creationDate"))
    for synonym in _leaves(packet.get("Synonyms"), "Synonym", str, origin, "Synonyms"):
        if clean_name(synonym):
            parsed.synonyms.append(clean_name(synonym))
    for section in _leaves(packet.get("TextSection"), "TextSection", dict, origin, "TextSection"):
        if _text(section.get("TextSectionType")).casefold() == "definition" and isinstance(
            section.get("Contents"), str
        ):
            parsed.definition = definition_markdown(section["Contents"])
    for parent in _leaves(packet.get("Parents"), "Parent", dict, origin, "Parents"):
        if parent.get("ORPHAcode") in (None, ""):
            raise OrphanetImportError(f"{origin}: ORPHA:{code} has a parent without an ORPHAcode")
        parent_code = _orphacode(parent["ORPHAcode"], origin, whose=f"ORPHA:{code}: a parent's ")
        parsed.parents.append(Reference(parent_code, _text(parent.get("Label"))))
    prevalences = list(_leaves(packet.get("Prevalences"), "Prevalence", dict, origin, "Prevalences"))
    parsed.prevalence = _prevalence(prevalences)
    records = (_prevalence_record(item, origin, code) for item in prevalences)
    # A record of no type is Orphanet's placeholder for none; a record given twice is one.
    parsed.prevalences = list(dict.fromkeys(record for record in records if record.kind.casefold() not in _NO_DATA))
    genes = (_gene_record(item, origin, code) for item in _leaves(packet.get("Genes"), "Gene", dict, origin, "Genes"))
    parsed.genes = list({(gene.symbol, gene.association): gene for gene in genes}.values())
    signs = {}
    for item in _leaves(packet.get("Phenotypes"), "Phenotype", dict, origin, "Phenotypes"):
        sign = _sign_record(item, origin, code)
        signs.setdefault(sign.hpo_id, sign)  # one frequency per sign: the first the packet gives
    parsed.signs = list(signs.values())
    onsets = _leaves(packet.get("AverageAgeOfOnsets"), "AverageAgeOfOnset", dict, origin, "AverageAgeOfOnsets")
    parsed.age_of_onset = _listed(_text(onset) for onset in onsets)
    inheritances = _leaves(packet.get("TypeOfInheritances"), "TypeOfInheritance", dict, origin, "TypeOfInheritances")
    parsed.inheritance = _listed(_text(inheritance) for inheritance in inheritances)
    for reference in _leaves(packet.get("ExternalReferences"), "ExternalReference", dict, origin, "ExternalReferences"):
        if _text(reference.get("Source")) != "OMIM":
            continue
        value = str(reference.get("Reference") or "").strip()
        stated = _text(reference.get("DisorderMappingRelation"))
        relation = OMIM_RELATIONS.get(stated.split(" ", 1)[0])
        if not value or any(character.isspace() for character in value):
            raise OrphanetImportError(f"{origin}: ORPHA:{code} has an OMIM reference {value!r} that is not a code")
        if relation is None:
            # "ND" (not decided) and any newer label: recorded, not guessed.
            parsed.unmapped.append((Code.System.OMIM, value, stated.split(" ", 1)[0] or "missing"))
            continue
        parsed.mappings.append(Mapping(Code.System.OMIM, value, relation))
    return parsed


def parse_packet_bytes(content, *, origin):
    """Decode one packet file's bytes and parse it (see :func:`parse_packet`)."""
    try:
        data = json.loads(content)
    except UnicodeDecodeError as error:
        raise OrphanetImportError(f"{origin}: is not UTF-8 text (undecodable byte at offset {error.start})") from error
    except json.JSONDecodeError as error:
        raise OrphanetImportError(
            f"{origin}: malformed JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from error
    return parse_packet(data, origin=origin)


def _is_archive(path):
    return path.name.lower().endswith((".tar.gz", ".tgz"))


def _files_in(path, suffix):
    files = sorted(child for child in path.iterdir() if child.is_file() and child.name.lower().endswith(suffix))
    if not files:
        raise OrphanetImportError(f"{path}: the directory has no {suffix} files")
    return files


def _read_file(path):
    try:
        return path.read_bytes()
    except OSError as error:
        raise OrphanetImportError(f"{path}: cannot be read ({error.strerror})") from error


def _archive_members(path, suffix):
    """(name, bytes) of each ``suffix`` file in a .tar.gz, read as a stream: never extracted, never all in memory."""
    found = False
    try:
        with tarfile.open(path, mode="r|gz") as archive:
            for member in archive:
                if not (member.isfile() and member.name.lower().endswith(suffix)):
                    continue
                found = True
                yield member.name, archive.extractfile(member).read()
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise OrphanetImportError(
            f"{path}: is not a readable .tar.gz archive, or it is truncated ({reason})"
        ) from error
    if not found:
        raise OrphanetImportError(f"{path}: the archive has no {suffix} files")


def _packet_files(path):
    """(origin, bytes) of each packet file in ``path``, read one at a time."""
    if path.is_dir():
        for file in _files_in(path, ".json"):
            yield str(file), _read_file(file)
    elif path.is_file() and _is_archive(path):
        for name, content in _archive_members(path, ".json"):
            yield f"{path}: {name}", content
    elif path.is_file():
        yield str(path), _read_file(path)
    else:
        raise OrphanetImportError(f"{path}: no such file or directory")


def read_packets(path, *, limit=None, progress=None):
    """Yield a :class:`Packet` per ORPHApacket in ``path`` (a .json file, a directory of them, or a .tar.gz).

    Reads one packet at a time, in name order (archive order for a .tar.gz), and
    stops after ``limit`` packets. ``progress(message)`` is called every few hundred.
    """
    for count, (origin, content) in enumerate(islice(_packet_files(Path(path)), limit), start=1):
        yield parse_packet_bytes(content, origin=origin)
        if progress and count % _PROGRESS_EVERY == 0:
            progress(f"Reading packets: {count}")


# --- Spreadsheets ---------------------------------------------------------------------------------------------------


def _open_workbook(path):
    path = Path(path)
    if not path.is_file():
        raise OrphanetImportError(f"{path}: no such file")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise OrphanetImportError(f"{path}: is not an .xlsx workbook ({error})") from error


def _sheet_rows(workbook, path, sheet, columns, what):
    """Rows of ``sheet`` as dicts keyed by ``columns`` (found by header text, ignoring case and spaces)."""
    if sheet not in workbook.sheetnames:
        raise OrphanetImportError(
            f"{path}: is not {what} (expected a sheet named {sheet!r}; found {', '.join(workbook.sheetnames)})"
        )
    rows = workbook[sheet].iter_rows(values_only=True)
    header = [str(cell or "").strip().casefold() for cell in next(rows, ())]
    missing = [column for column in columns if column.casefold() not in header]
    if missing:
        raise OrphanetImportError(f"{path}: sheet {sheet!r} has no column {', '.join(map(repr, missing))}")
    index = {column: header.index(column.casefold()) for column in columns}
    for number, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue  # Orphanet's sheets end with thousands of empty rows
        yield number, {column: row[position] if position < len(row) else None for column, position in index.items()}


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _orpha_code(value, path, sheet, number):
    code = _cell(value).upper().removeprefix("ORPHA:").strip()
    if not code.isdigit():
        raise OrphanetImportError(f"{path}: sheet {sheet!r}, row {number}: {_cell(value)!r} is not an ORPHAcode")
    return code


def read_nomenclature(path):
    """ICD-10 and ICD-11 codes, the preferred term and synonyms per ORPHAcode, from the nomenclature master file.

    The file states no mapping relation for its ICD codes, so they are read as the
    codes Orphanet gives for coding the disorder (``exact``). ICD-10 dagger and
    asterisk marks are dropped from the code. Returns ``{code: NomenclatureEntry}``.
    """
    path = Path(path)
    entries = defaultdict(NomenclatureEntry)
    what = "the Orphanet nomenclature master file"
    sheets = [("ICD10", "ICDcodes", Code.System.ICD10), ("ICD11", "ICD-11 MMS codes", Code.System.ICD11)]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unknown extension", module="openpyxl")
        workbook = _open_workbook(path)
        try:
            for sheet, code_column, system in sheets:
                columns = ["ORPHAcode", "PreferredTerm", "Synonyms", code_column]
                for number, row in _sheet_rows(workbook, path, sheet, columns, what):
                    entry = entries[_orpha_code(row["ORPHAcode"], path, sheet, number)]
                    entry.preferred_term = entry.preferred_term or clean_name(_cell(row["PreferredTerm"]))
                    synonym = clean_name(_cell(row["Synonyms"]))
                    if synonym and synonym not in entry.synonyms:
                        entry.synonyms.append(synonym)
                    for value in re.split(r"[\s,;]+", _cell(row[code_column])):
                        value = _ICD_MARK.sub("", value)
                        mapping = Mapping(system, value, Code.Relation.EXACT)
                        if value and mapping not in entry.codes:
                            entry.codes.append(mapping)
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise OrphanetImportError(f"{path}: the workbook is damaged ({error})") from error
        finally:
            workbook.close()
    return dict(entries)


def read_rare_disease_list(path):
    """Deprecated and obsolete ORPHAcodes, with the active code that replaces them, from the list of rare diseases."""
    path = Path(path)
    sheet = "List_deprecated_obsoleted"
    columns = ["Inactive ORPHAcode", "Inactive Label", "Status", "Target active ORPHAcode"]
    retired = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unknown extension", module="openpyxl")
        workbook = _open_workbook(path)
        try:
            for number, row in _sheet_rows(workbook, path, sheet, columns, "the Orphanet list of rare diseases"):
                code = _orpha_code(row["Inactive ORPHAcode"], path, sheet, number)
                status = RETIRED_STATUSES.get(_cell(row["Status"]).casefold())
                if status is None:
                    raise OrphanetImportError(
                        f"{path}: sheet {sheet!r}, row {number}: unknown status {_cell(row['Status'])!r} "
                        "(expected Deprecated or Obsolete)"
                    )
                target = _cell(row["Target active ORPHAcode"])
                replaced_by = _orpha_code(target, path, sheet, number) if target else ""
                if replaced_by == code:
                    replaced_by = ""
                retired[code] = RetiredOrphaCode(code, status, replaced_by, clean_name(_cell(row["Inactive Label"])))
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise OrphanetImportError(f"{path}: the workbook is damaged ({error})") from error
        finally:
            workbook.close()
    return list(retired.values())


# --- Classification trees -------------------------------------------------------------------------------------------


def parse_classification(stream, *, origin="<classification>"):
    """One JDBOR classification file (a binary stream) as a :class:`ClassificationTree`, read with iterparse.

    A ``ClassificationNode`` without a ``Disorder`` (the root of one tree is such a
    node) is transparent: its children take its place.
    """
    tree = ClassificationTree(identifier="", name="", roots=[], origin=origin)
    path = []  # open element tags
    frames = []  # the TreeNode of each open ClassificationNode
    try:
        for event, element in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                path.append(element.tag)
                if element.tag == "ClassificationNode":
                    frames.append(TreeNode(code="", name="", disorder_type=""))
                elif element.tag == "Classification" and not tree.identifier:
                    tree.identifier = element.get("id", "")
                continue
            path.pop()
            # The element's place, innermost last: ("ClassificationNode", "Disorder", "Name") is a node's name.
            where = (*path[-3:], element.tag)
            text = " ".join((element.text or "").split())
            if where[-3:] == ("ClassificationNode", "Disorder", "OrphaCode"):
                frames[-1].code = text
            elif where[-3:] == ("ClassificationNode", "Disorder", "Name"):
                frames[-1].name = clean_name(text)
            elif where == ("ClassificationNode", "Disorder", "DisorderType", "Name"):
                frames[-1].disorder_type = text
            elif where[-2:] == ("Classification", "Name"):
                tree.name = clean_name(text)
            elif element.tag == "ClassificationNode":
                node = frames.pop()
                siblings = frames[-1].children if frames else tree.roots
                if node.code:
                    if not node.name:
                        raise OrphanetImportError(f"{origin}: the node ORPHA:{node.code} has no Name")
                    siblings.append(node)
                else:
                    siblings.extend(node.children)
                element.clear()  # keeps memory to the open path, not the whole document
    except ET.ParseError as error:
        raise OrphanetImportError(f"{origin}: malformed XML ({error})") from error
    if not tree.name:
        raise OrphanetImportError(f"{origin}: is not an Orphanet classification (no Classification with a Name)")
    return tree


def read_classifications(path):
    """The classification trees in ``path``: one XML file, a directory of them, or a .tar.gz (streamed)."""
    path = Path(path)
    if path.is_dir():
        return [
            parse_classification(io.BytesIO(_read_file(file)), origin=str(file)) for file in _files_in(path, ".xml")
        ]
    if path.is_file() and _is_archive(path):
        return [
            parse_classification(io.BytesIO(content), origin=f"{path}: {name}")
            for name, content in _archive_members(path, ".xml")
        ]
    if path.is_file():
        return [parse_classification(io.BytesIO(_read_file(path)), origin=str(path))]
    raise OrphanetImportError(f"{path}: no such file or directory")


# --- Loading --------------------------------------------------------------------------------------------------------


@dataclass
class ImportedEntry:
    code: str
    title: str
    action: str  # "created", "updated" or "unchanged"


@dataclass
class SkippedPacket:
    code: str
    label: str
    reason: str


@dataclass
class ImportResult(TitlesByAction):
    """What a load did: entries by action, packets skipped and why, nodes and retired codes written, and notes."""

    entries: list[ImportedEntry] = field(default_factory=list)
    skipped: list[SkippedPacket] = field(default_factory=list)
    groups: int = 0  # group packets read (they become classification nodes, not entries)
    nodes_created: int = 0
    nodes_updated: int = 0
    retired_created: int = 0
    retired_updated: int = 0
    retired_unchanged: int = 0
    genes_created: int = 0
    signs_created: int = 0
    # Things deliberately not written, counted by kind ("OMIM mapping ND", "definition kept: written by others").
    notes: Counter = field(default_factory=Counter)
    dry_run: bool = False

    @property
    def outcomes(self):
        return self.entries


def load_orphanet(
    *,
    packets=None,
    nomenclature=None,
    rare_disease_list=None,
    classifications=None,
    publish=False,
    limit=None,
    dry_run=False,
    user=None,
    progress=None,
):
    """Read every given file, then write them all in one transaction (a bad file leaves the database untouched).

    Each argument is a path (or None to skip that file). ``limit`` reads only the first
    N packets. ``dry_run`` does all the work and rolls it back, so the result says what
    a real run would do. ``user`` is recorded on the revisions; ``progress(message)``
    is told how far reading and writing have got. See :func:`save_orphanet`.
    """
    trees = read_classifications(classifications) if classifications else []
    names = read_nomenclature(nomenclature) if nomenclature else {}
    retired = read_rare_disease_list(rare_disease_list) if rare_disease_list else []
    parsed = list(read_packets(packets, limit=limit, progress=progress)) if packets else []
    if progress and parsed:
        progress(f"Reading packets: {len(parsed)}, done")
    origins = [Path(path).name for path in (packets, nomenclature, rare_disease_list, classifications) if path]
    return save_orphanet(
        parsed,
        nomenclature=names,
        retired=retired,
        trees=trees,
        publish=publish,
        dry_run=dry_run,
        user=user,
        comment=import_comment(f"Orphanet ({', '.join(origins)})"),
        progress=progress,
    )


ORPHANET_IMPORT_COMMENT = import_comment("Orphanet")


def save_orphanet(
    packets,
    *,
    nomenclature=None,
    retired=(),
    trees=(),
    publish=False,
    dry_run=False,
    user=None,
    comment=ORPHANET_IMPORT_COMMENT,
    progress=None,
):
    """Write parsed Orphanet data in one transaction; existing entries are merged, never duplicated.

    Trees come first (they place the groups), then groups without a tree, then one
    entry per disorder or subtype packet, then subdivisions linking subtypes to the
    entry above them, then nomenclature codes and names, then retired codes. A
    matched entry only gains what it lacks: synonyms, codes, classifications, the
    Orphanet definition (while it has none, or refreshed while Orphanet wrote it),
    facts still empty, the Orphanet attribution. Each changed entry gets one revision
    from ``disorders.history`` (which moves ``version`` and ``content_changed_at`` and
    sends ``entries_saved``). ``publish`` publishes the run's draft and in-review
    entries; archived ones stay archived. A dry run records nothing and rolls back.
    """
    result = ImportResult(dry_run=dry_run)
    user = user or history.system_user()
    # One unit of work for the run: it locks the entries matched, and records one revision per changed entry.
    with editing.entry_changes(
        user=user, comment=comment, import_run=comment, progress=lambda *done: loader.recorded(*done)
    ) as work:
        loader = _Loader(work, publish=publish, result=result, progress=progress, retired=retired)
        loader.describe_groups(packets)
        loader.load_trees(trees)
        loader.load_groups(packets)
        loader.load_entries(packets)
        loader.link_subtypes(packets)
        loader.apply_nomenclature(nomenclature or {})
        loader.save_retired(retired)
        changed = loader.finish()
        if dry_run:
            transaction.set_rollback(True)
        else:
            for disorder in changed:
                work.changed(disorder)
            if publish:
                loader.publish_run()
    return result


def _claim_slug(text, taken, *, fallback):
    """A slug not in ``taken`` (the slugs this run knows are in use), added to it."""
    slug = unique_slug(text, taken.__contains__, fallback=fallback)
    taken.add(slug)
    return slug


def _orpha_reference(code):
    return f"ORPHA:{code}"


def _orpha_url(code):
    return f"{ORPHANET_WEBSITE}/en/disease/detail/{code}"


@dataclass
class _Entry:
    """An entry being written, with what it already has (names folded for comparison)."""

    disorder: Disorder
    names: set[str] = field(default_factory=set)  # title and synonyms
    next_synonym: int = 0
    codes: set[tuple[str, str]] = field(default_factory=set)
    classification_ids: set[int] = field(default_factory=set)
    subdivisions: dict[str, Subdivision] = field(default_factory=dict)
    linked_subtypes: set[int] = field(default_factory=set)
    next_subdivision: int = 0
    definition: Section | None = None
    next_section: int = 0
    attribution: DisorderSource | None = None
    prevalences: set[tuple] = field(default_factory=set)  # PrevalenceRecord fields
    next_prevalence: int = 0
    gene_links: set[tuple[int, str]] = field(default_factory=set)  # (gene id, association)
    next_gene: int = 0
    signs: dict[int, str] = field(default_factory=dict)  # sign id -> frequency
    code: str = ""  # the ORPHA code this run imported it from, or gave it codes or names for
    in_run: bool = False  # a packet of this run is about this entry
    action: str = "unchanged"

    def touch(self):
        if self.action == "unchanged":
            self.action = "updated"


class _Loader:
    """The state of one run: what the database holds, prefetched once, and the rows to write in bulk."""

    def __init__(self, work, *, publish, result, progress, retired=()):
        self.work = work  # the run's unit of work (disorders.editing)
        self.publish = publish
        self.result = result
        self.progress = progress or (lambda message: None)
        self.now = timezone.now()
        self.source = self._orphanet_source()
        self.entries = {}  # disorder id -> _Entry
        self.entry_by_code = {}  # ORPHA code -> disorder id, for codes this run resolved
        self.pending = defaultdict(list)  # model -> unsaved rows
        self.updated = defaultdict(dict)  # model -> {pk: row} whose fields changed
        self.updated_fields = defaultdict(set)

        # Entries the database already ties to an ORPHA code: by an exact Code, or by their Orphanet reference.
        self.code_owners = defaultdict(set)
        exact = Code.objects.filter(system=Code.System.ORPHA, relation=Code.Relation.EXACT)
        for value, disorder_id in exact.values_list("value", "disorder_id"):
            self.code_owners[value].add(disorder_id)
        references = DisorderSource.objects.filter(source=self.source, reference__startswith="ORPHA:")
        for reference, disorder_id in references.values_list("reference", "disorder_id"):
            self.code_owners[reference.removeprefix("ORPHA:")].add(disorder_id)
        self.bound = set().union(*self.code_owners.values())  # such entries match by code only
        self.replacements = defaultdict(set)  # active code -> deprecated codes it replaced
        for value, replaced_by in RetiredCode.objects.filter(
            system=Code.System.ORPHA, status=RetiredCode.Status.DEPRECATED
        ).values_list("value", "replaced_by"):
            if replaced_by:
                self.replacements[replaced_by].add(value)
        for item in retired:  # this run's list, written after the entries
            if item.status == RetiredCode.Status.DEPRECATED and item.replaced_by:
                self.replacements[item.replaced_by].add(item.code)

        self.titles = defaultdict(set)  # folded title -> disorder ids
        self.synonym_names = defaultdict(set)  # folded synonym -> disorder ids
        self.disorder_slugs = Disorder.objects.addresses()
        for disorder_id, title in Disorder.objects.values_list("id", "title"):
            self.titles[normalize_name(title)].add(disorder_id)
        for disorder_id, name in Synonym.objects.values_list("disorder_id", "name"):
            self.synonym_names[normalize_name(name)].add(disorder_id)
        self.claimed = set()  # entries a packet of this run has matched

        nodes = list(Classification.objects.all())
        self.node_slugs = {node.slug for node in nodes}
        self.nodes_by_code = defaultdict(list)
        self.children = {}  # (parent id, folded name) -> node
        for node in nodes:
            self._index_node(node, node.parent_id)
        self.tree_links = defaultdict(set)  # disorder code -> the group nodes a tree places it under
        self.groups_root = None
        self.descriptions = {}  # group code -> node description

    # --- Shared rows ---

    def _orphanet_source(self):
        source = Source.objects.filter(slug=ORPHANET_SLUG).first()
        # An editor may have added Orphanet under another slug; its name is unique too.
        source = source or Source.objects.filter(name__iexact=ORPHANET_NAME).first()
        if source is None:
            return Source.objects.create(
                slug=ORPHANET_SLUG,
                name=ORPHANET_NAME,
                short_name=ORPHANET_NAME,
                website=ORPHANET_WEBSITE,
                notice=ORPHANET_NOTICE,
            )
        # Fill what is empty; an editor's wording stays.
        filled = {
            name: value
            for name, value in (
                ("short_name", ORPHANET_NAME),
                ("website", ORPHANET_WEBSITE),
                ("notice", ORPHANET_NOTICE),
            )
            if not getattr(source, name)
        }
        if filled:
            for name, value in filled.items():
                setattr(source, name, value)
            source.save(update_fields=list(filled))
        return source

    def _index_node(self, node, parent_id):
        if node.external_id.startswith("ORPHA:"):
            self.nodes_by_code[node.external_id.removeprefix("ORPHA:")].append(node)
        self.children[(parent_id, normalize_name(node.name))] = node

    def _node(self, name, parent, code, *, description="", create):
        """The node of this name (or this code) under ``parent``; unsaved and queued in ``create`` when new."""
        parent_id = parent.pk if parent else None
        external_id = _orpha_reference(code) if code else ""
        existing = self.children.get((parent_id, normalize_name(name)))
        if existing is None and code:
            existing = next((node for node in self.nodes_by_code[code] if node.parent_id == parent_id), None)
        if existing is not None:
            # Fill what is empty; an editor's name and wording stay.
            if external_id and not existing.external_id:
                existing.external_id = external_id
                self._changed_node(existing, "external_id")
                self.nodes_by_code[code].append(existing)
            elif external_id and existing.external_id != external_id:
                self.result.notes[f"group {external_id} not placed: its name is taken by another node"] += 1
            if description and not existing.description:
                existing.description = description
                self._changed_node(existing, "description")
            return existing
        node = Classification(
            name=name[:255],
            slug=_claim_slug(name, self.node_slugs, fallback="classification"),
            parent=parent,
            external_id=external_id,
            description=description,
        )
        self._index_node(node, parent_id)
        create.append(node)
        return node

    def _changed_node(self, node, field_name):
        if node.pk is None:
            return  # created in this run and not yet saved: it is written with its current values
        self.updated[Classification][node.pk] = node
        self.updated_fields[Classification].add(field_name)

    def _create_nodes(self, nodes):
        Classification.objects.bulk_create(nodes, batch_size=_BATCH)
        self.result.nodes_created += len(nodes)

    # --- Classifications ---

    def load_trees(self, trees):
        """Each tree as a root named after it, its top group folded into the root, its groups nested below."""
        for tree in trees:
            top = tree.roots[0] if len(tree.roots) == 1 and tree.roots[0].is_group else None
            created = []
            root = self._node(tree.name, None, top.code if top else "", description=ORPHANET_NOTICE, create=created)
            self._create_nodes(created)
            # Level by level, so each level's parents have ids before their children are created.
            level = [(node, root, True) for node in (top.children if top else tree.roots)]
            while level:
                created, following = [], []
                for node, group, under_group in level:
                    if node.is_group:
                        description = self.descriptions.get(node.code, "")
                        placed = self._node(node.name, group, node.code, description=description, create=created)
                        following.extend((child, placed, True) for child in node.children)
                    else:
                        if under_group:
                            self.tree_links[node.code].add(group)
                        # A subtype under a disease becomes a subdivision, not a classification.
                        following.extend((child, group, False) for child in node.children)
                self._create_nodes(created)
                level = following
        self._flush_node_updates()

    def describe_groups(self, packets):
        """Orphanet's definitions of groups, as the descriptions of their nodes (with the attribution it requires)."""
        self.descriptions = {
            packet.code: f"{packet.definition}\n\n*Source: [Orphanet]({_orpha_url(packet.code)}), CC BY 4.0.*"
            for packet in packets
            if packet.kind == "group" and packet.definition
        }

    def load_groups(self, packets):
        """Group packets, and groups named only as parents, get a node under the flat root unless a tree placed them."""
        wanted = {}  # code -> name, for groups no tree has placed
        run_entries = {packet.code for packet in packets if packet.kind in ("disorder", "subtype")}
        for packet in packets:
            if packet.kind == "group":
                self.result.groups += 1
                wanted.setdefault(packet.code, packet.label)
            elif packet.kind == "disorder":
                # A disorder's parents are groups; those without a packet of their own are known by the label given.
                for parent in packet.parents:
                    if parent.code not in run_entries and parent.code not in self.code_owners and parent.label:
                        wanted.setdefault(parent.code, parent.label)
        created = []
        for code, name in wanted.items():
            if self.nodes_by_code.get(code):
                continue
            if self.groups_root is None:
                root_created = []
                self.groups_root = self._node(
                    GROUPS_ROOT_NAME, None, "", description=ORPHANET_NOTICE, create=root_created
                )
                self._create_nodes(root_created)
            self._node(name, self.groups_root, code, description=self.descriptions.get(code, ""), create=created)
        self._create_nodes(created)
        self._flush_node_updates()

    def _flush_node_updates(self):
        nodes = list(self.updated[Classification].values())
        if nodes:
            Classification.objects.bulk_update(nodes, sorted(self.updated_fields[Classification]), batch_size=_BATCH)
            self.result.nodes_updated += len({node.pk for node in nodes})
        self.updated[Classification].clear()
        self.updated_fields[Classification].clear()

    # --- Entries ---

    def _match(self, packet):
        """(disorder id, None), (None, None) for a new entry, or (None, reason) when the packet must be skipped."""
        owners = self.code_owners.get(packet.code, set())
        if len(owners) > 1:
            return None, f"ORPHA:{packet.code} is on several entries: {self._titles_of(owners)}"
        if owners:
            return next(iter(owners)), None
        # An entry imported under a code Orphanet has since deprecated in favour of this one.
        replaced = {owner for old in self.replacements.get(packet.code, ()) for owner in self.code_owners.get(old, ())}
        replaced -= self.claimed
        if len(replaced) == 1:
            return next(iter(replaced)), None
        if len(replaced) > 1:
            return None, f"its deprecated codes are on several entries: {self._titles_of(replaced)}"
        # By name; an entry tied to another ORPHA code is another Orphanet concept.
        label = normalize_name(packet.label)
        for index, names in ((self.titles, [label]), (self.synonym_names, [label]), (self.titles, packet.synonyms)):
            hits = {hit for name in names for hit in index.get(normalize_name(name), ())} - self.bound - self.claimed
            if len(hits) == 1:
                return next(iter(hits)), None
            if len(hits) > 1:
                return None, f"its names match several entries: {self._titles_of(hits)}"
        return None, None

    def _titles_of(self, ids):
        titles = Disorder.objects.filter(pk__in=ids).order_by("pk").values_list("title", flat=True)
        return ", ".join(repr(title) for title in titles)

    def _load(self, ids):
        """Read what the given existing entries already have, a query per kind of row for all of them."""
        ids = [disorder_id for disorder_id in set(ids) if disorder_id not in self.entries]
        if not ids:
            return
        # Locked as an editor's save locks them, each with a baseline revision if its history has none.
        for disorder in self.work.lock(ids).values():
            self.entries[disorder.pk] = _Entry(disorder=disorder, names={normalize_name(disorder.title)})
        for disorder_id, name, position in Synonym.objects.filter(disorder_id__in=ids).values_list(
            "disorder_id", "name", "position"
        ):
            entry = self.entries[disorder_id]
            entry.names.add(normalize_name(name))
            entry.next_synonym = max(entry.next_synonym, position + 1)
        for disorder_id, system, value in Code.objects.filter(disorder_id__in=ids).values_list(
            "disorder_id", "system", "value"
        ):
            self.entries[disorder_id].codes.add((system, value))
        links = Disorder.classifications.through.objects.filter(disorder_id__in=ids)
        for disorder_id, classification_id in links.values_list("disorder_id", "classification_id"):
            self.entries[disorder_id].classification_ids.add(classification_id)
        for subdivision in Subdivision.objects.filter(disorder_id__in=ids):
            entry = self.entries[subdivision.disorder_id]
            entry.subdivisions[normalize_name(subdivision.name)] = subdivision
            entry.next_subdivision = max(entry.next_subdivision, subdivision.position + 1)
            if subdivision.linked_disorder_id:
                entry.linked_subtypes.add(subdivision.linked_disorder_id)
        positions = Section.objects.filter(disorder_id__in=ids).values("disorder_id").annotate(last=Max("position"))
        for row in positions:
            self.entries[row["disorder_id"]].next_section = row["last"] + 1
        for section in Section.objects.filter(disorder_id__in=ids, kind=Section.Kind.DEFINITION):
            self.entries[section.disorder_id].definition = section
        for attribution in DisorderSource.objects.filter(disorder_id__in=ids, source=self.source):
            self.entries[attribution.disorder_id].attribution = attribution
        record_fields = [f.name for f in dataclass_fields(PrevalenceRecord)]
        for disorder_id, position, *record in (
            Prevalence.objects.filter(disorder_id__in=ids)
            .order_by()
            .values_list("disorder_id", "position", *record_fields)
        ):
            entry = self.entries[disorder_id]
            entry.prevalences.add(tuple(record))
            entry.next_prevalence = max(entry.next_prevalence, position + 1)
        for disorder_id, gene_id, association, position in (
            GeneAssociation.objects.filter(disorder_id__in=ids)
            .order_by()
            .values_list("disorder_id", "gene_id", "association", "position")
        ):
            entry = self.entries[disorder_id]
            entry.gene_links.add((gene_id, association))
            entry.next_gene = max(entry.next_gene, position + 1)
        signs = DisorderSign.objects.filter(disorder_id__in=ids).order_by()
        for disorder_id, sign_id, frequency in signs.values_list("disorder_id", "sign_id", "frequency"):
            self.entries[disorder_id].signs[sign_id] = frequency

    def _load_genes_and_signs(self, packets):
        """The genes and signs the packets name, by symbol and HPO id: created when new, empty fields filled."""
        self.genes = {gene.symbol: gene for gene in Gene.objects.all()}
        self.signs = {sign.hpo_id: sign for sign in Sign.objects.all()}
        new_genes, new_signs, filled = {}, {}, {}
        for packet in packets:
            for record in packet.genes:
                gene = self.genes.get(record.symbol)
                if gene is None and record.symbol not in new_genes:
                    new_genes[record.symbol] = Gene(
                        symbol=record.symbol, name=record.name, hgnc_id=record.hgnc_id, omim_id=record.omim_id
                    )
                elif gene is not None:
                    # Shared rows: an editor's wording stays, what is missing is filled.
                    for name in ("name", "hgnc_id", "omim_id"):
                        if getattr(record, name) and not getattr(gene, name):
                            setattr(gene, name, getattr(record, name))
                            filled[gene.pk] = gene
                            self.updated_fields[Gene].add(name)
            for record in packet.signs:
                if record.hpo_id not in self.signs:
                    new_signs.setdefault(record.hpo_id, Sign(hpo_id=record.hpo_id, name=record.name))
        Gene.objects.bulk_create(new_genes.values(), batch_size=_BATCH)
        Sign.objects.bulk_create(new_signs.values(), batch_size=_BATCH)
        if filled:
            Gene.objects.bulk_update(filled.values(), sorted(self.updated_fields.pop(Gene)), batch_size=_BATCH)
        self.genes.update(new_genes)
        self.signs.update(new_signs)
        self.result.genes_created += len(new_genes)
        self.result.signs_created += len(new_signs)

    def load_entries(self, packets):
        """Match or create one entry per disorder and subtype packet, then give each what its packet lists."""
        self._load_genes_and_signs([packet for packet in packets if packet.kind in ("disorder", "subtype")])
        matched, new = [], []
        for packet in packets:
            if packet.kind == "group":
                continue
            if not packet.kind:
                self.result.skipped.append(
                    SkippedPacket(packet.code, packet.label, f"unknown disorder type {packet.disorder_type!r}")
                )
                continue
            disorder_id, reason = self._match(packet)
            if reason:
                self.result.skipped.append(SkippedPacket(packet.code, packet.label, reason))
            elif disorder_id:
                self.claimed.add(disorder_id)
                matched.append((packet, disorder_id))
            else:
                new.append(packet)
        self._load([disorder_id for _, disorder_id in matched])

        status = Disorder.Status.PUBLISHED if self.publish else Disorder.Status.DRAFT
        created = [
            Disorder(
                title=packet.label,
                slug=_claim_slug(packet.label, self.disorder_slugs, fallback="disorder"),
                status=status,
                published_at=self.now if self.publish else None,
                content_changed_at=self.now,
                prevalence=packet.prevalence,
                age_of_onset=packet.age_of_onset,
                inheritance=packet.inheritance,
            )
            for packet in new
        ]
        Disorder.objects.bulk_create(created, batch_size=_BATCH)
        for disorder in created:
            self.entries[disorder.pk] = _Entry(
                disorder=disorder, names={normalize_name(disorder.title)}, action="created"
            )
        pairs = matched + [(packet, disorder.pk) for packet, disorder in zip(new, created, strict=True)]

        for number, (packet, disorder_id) in enumerate(pairs, start=1):
            entry = self.entries[disorder_id]
            entry.code, entry.in_run = packet.code, True
            self.entry_by_code[packet.code] = disorder_id
            self._add_names(entry, [packet.label, *packet.synonyms])
            self._add_codes(entry, [Mapping(Code.System.ORPHA, packet.code, Code.Relation.EXACT), *packet.mappings])
            for system, _, stated in packet.unmapped:
                self.result.notes[
                    f"{system} codes mapped {stated!r} (neither exact, narrower nor broader): not imported"
                ] += 1
            self._set_definition(entry, packet)
            self._set_attribution(entry, packet)
            self._fill_facts(entry, packet)
            self._add_facts_records(entry, packet)
            self._add_classifications(entry, packet)
            if number % _PROGRESS_EVERY == 0:
                self.progress(f"Writing entries: {number}/{len(pairs)}")
        self._flush()

    def _add_names(self, entry, names):
        for name in names:
            folded = normalize_name(name)
            if not folded or folded in entry.names:
                continue
            self.pending[Synonym].append(Synonym(disorder=entry.disorder, name=name[:255], position=entry.next_synonym))
            entry.names.add(folded)
            entry.next_synonym += 1
            entry.touch()

    def _add_codes(self, entry, mappings):
        for mapping in mappings:
            if (mapping.system, mapping.value) in entry.codes:
                continue  # an existing row, with whatever relation an editor gave it, stays
            self.pending[Code].append(
                Code(disorder=entry.disorder, system=mapping.system, value=mapping.value, relation=mapping.relation)
            )
            entry.codes.add((mapping.system, mapping.value))
            entry.touch()

    def _set_definition(self, entry, packet):
        if not packet.definition:
            return
        section = entry.definition
        if section is None:
            section = Section(
                disorder=entry.disorder,
                kind=Section.Kind.DEFINITION,
                body=packet.definition,
                source=self.source,
                position=entry.next_section,
            )
            self.pending[Section].append(section)
            entry.definition = section
            entry.next_section += 1
            entry.touch()
        elif section.source_id != self.source.pk:
            self.result.notes["Orphanet definition not imported: the entry has one by an editor or another source"] += 1
        elif not same_text(section.body, packet.definition):
            # Orphanet's own text follows Orphanet.
            section.body = packet.definition
            self._update(section, "body")
            entry.touch()

    def _set_attribution(self, entry, packet):
        wanted = {
            "url": _orpha_url(packet.code),
            "copyright": packet.copyright[:255],
            "source_updated_on": packet.created_on,
        }
        attribution = entry.attribution
        if attribution is None:
            entry.attribution = DisorderSource(
                disorder=entry.disorder, source=self.source, reference=_orpha_reference(packet.code), **wanted
            )
            self.pending[DisorderSource].append(entry.attribution)
            entry.touch()
            return
        if not attribution.reference:
            wanted["reference"] = _orpha_reference(packet.code)
        elif attribution.reference != _orpha_reference(packet.code):
            return  # an editor's reference, or a code Orphanet has since replaced: left as it is
        for name, value in wanted.items():
            if getattr(attribution, name) != value:
                setattr(attribution, name, value)
                self._update(attribution, name)
                entry.touch()

    def _fill_facts(self, entry, packet):
        disorder = entry.disorder
        for name in ("prevalence", "age_of_onset", "inheritance"):
            wanted, stored = getattr(packet, name), getattr(disorder, name)
            if wanted and not stored:
                setattr(disorder, name, wanted)
                self.updated_fields[Disorder].add(name)
                entry.touch()
            elif wanted and stored != wanted:
                self.result.notes[f"{name.replace('_', ' ')} kept: the entry states it differently"] += 1

    def _add_facts_records(self, entry, packet):
        """The packet's prevalence records, genes and signs the entry lacks; what it has stays as it is."""
        for record in packet.prevalences:
            if astuple(record) in entry.prevalences:
                continue
            self.pending[Prevalence].append(
                Prevalence(disorder=entry.disorder, position=entry.next_prevalence, **asdict(record))
            )
            entry.prevalences.add(astuple(record))
            entry.next_prevalence += 1
            entry.touch()
        for record in packet.genes:
            gene = self.genes[record.symbol]
            if (gene.pk, record.association) in entry.gene_links:
                continue
            self.pending[GeneAssociation].append(
                GeneAssociation(
                    disorder=entry.disorder, gene=gene, association=record.association, position=entry.next_gene
                )
            )
            entry.gene_links.add((gene.pk, record.association))
            entry.next_gene += 1
            entry.touch()
        for record in packet.signs:
            sign = self.signs[record.hpo_id]
            stored = entry.signs.get(sign.pk)
            if stored is None:
                self.pending[DisorderSign].append(
                    DisorderSign(disorder=entry.disorder, sign=sign, frequency=record.frequency)
                )
                entry.signs[sign.pk] = record.frequency
                entry.touch()
            elif stored != record.frequency:
                self.result.notes["sign frequency kept: the entry states it differently"] += 1

    def _add_classifications(self, entry, packet):
        nodes = set(self.tree_links.get(packet.code, ()))
        for parent in packet.parents:
            placed = self.nodes_by_code.get(parent.code, ())
            nodes.update(placed)
            if not placed and packet.kind == "disorder":
                self.result.notes["parent that is itself an entry: no classification"] += 1
        for node in nodes:
            if node.pk in entry.classification_ids:
                continue
            link = Disorder.classifications.through(disorder_id=entry.disorder.pk, classification_id=node.pk)
            self.pending[Disorder.classifications.through].append(link)
            entry.classification_ids.add(node.pk)
            entry.touch()

    def _update(self, row, field_name):
        if row.pk is None:
            return  # still queued for creation: it is written with its current values
        self.updated[type(row)][row.pk] = row
        self.updated_fields[type(row)].add(field_name)

    def _flush(self):
        """Write queued rows: new ones in bulk, changed ones in bulk."""
        for model in (
            Synonym,
            Code,
            Section,
            DisorderSource,
            Subdivision,
            Prevalence,
            GeneAssociation,
            DisorderSign,
            Disorder.classifications.through,
        ):
            model.objects.bulk_create(self.pending.pop(model, []), batch_size=_BATCH)
        for model in (Section, DisorderSource, Subdivision):
            rows = list(self.updated.pop(model, {}).values())
            if rows:
                model.objects.bulk_update(rows, sorted(self.updated_fields.pop(model)), batch_size=_BATCH)

    # --- Subtypes ---

    def _entry_id(self, code):
        """The entry for an ORPHA code: from this run, else the one entry the database ties to it."""
        if code in self.entry_by_code:
            return self.entry_by_code[code]
        owners = self.code_owners.get(code, set())
        return next(iter(owners)) if len(owners) == 1 else None

    def link_subtypes(self, packets):
        """List each subtype as a subdivision of the entry above it, linked to the subtype's own entry."""
        links = []
        for packet in packets:
            if packet.kind != "subtype" or packet.code not in self.entry_by_code:
                continue
            for parent in packet.parents:
                if self.nodes_by_code.get(parent.code):
                    continue  # a group: already a classification
                parent_id = self._entry_id(parent.code)
                if parent_id is None:
                    self.result.notes["subtype whose parent is not in this import: no subdivision"] += 1
                elif parent_id != self.entry_by_code[packet.code]:
                    links.append((parent_id, packet))
        self._load(parent_id for parent_id, _ in links)
        for parent_id, packet in links:
            entry, subtype_id = self.entries[parent_id], self.entry_by_code[packet.code]
            if subtype_id in entry.linked_subtypes:
                continue  # listed already, perhaps under a name an editor chose
            existing = entry.subdivisions.get(normalize_name(packet.label))
            if existing is None:
                existing = Subdivision(
                    disorder_id=parent_id,
                    name=packet.label[:255],
                    linked_disorder_id=subtype_id,
                    position=entry.next_subdivision,
                )
                self.pending[Subdivision].append(existing)
                entry.subdivisions[normalize_name(packet.label)] = existing
                entry.next_subdivision += 1
            elif existing.linked_disorder_id is None:
                existing.linked_disorder_id = subtype_id
                self._update(existing, "linked_disorder")
            else:
                continue  # the name is linked to another entry by an editor
            entry.linked_subtypes.add(subtype_id)
            entry.touch()
        self._flush()

    # --- Nomenclature ---

    def apply_nomenclature(self, nomenclature):
        """Add ICD-10 and ICD-11 codes and the nomenclature's names to the entry of each ORPHAcode."""
        found = {code: self._entry_id(code) for code in nomenclature}
        self._load(disorder_id for disorder_id in found.values() if disorder_id)
        for code, names in nomenclature.items():
            disorder_id = found[code]
            if disorder_id is None:
                self.result.notes["nomenclature rows for ORPHAcodes without an entry: not imported"] += 1
                continue
            entry = self.entries[disorder_id]
            entry.code = entry.code or code
            # The preferred term, when it is not the entry's title, is a name the disorder went by.
            self._add_names(entry, [names.preferred_term, *names.synonyms])
            self._add_codes(entry, names.codes)
        self._flush()

    # --- Retired codes ---

    def save_retired(self, retired):
        """Create or bring up to date a RetiredCode per deprecated or obsolete ORPHAcode (Orphanet's own facts)."""
        if not retired:
            return
        existing = {row.value: row for row in RetiredCode.objects.filter(system=Code.System.ORPHA)}
        created, changed = [], []
        for item in retired:
            row = existing.get(item.code)
            if row is None:
                created.append(
                    RetiredCode(
                        system=Code.System.ORPHA, value=item.code, status=item.status, replaced_by=item.replaced_by
                    )
                )
            elif (row.status, row.replaced_by) != (item.status, item.replaced_by):
                row.status, row.replaced_by = item.status, item.replaced_by
                changed.append(row)
            else:
                self.result.retired_unchanged += 1
        RetiredCode.objects.bulk_create(created, batch_size=_BATCH)
        RetiredCode.objects.bulk_update(changed, ["status", "replaced_by"], batch_size=_BATCH)
        self.result.retired_created += len(created)
        self.result.retired_updated += len(changed)

    # --- Finishing ---

    def finish(self):
        """Publish if asked, save changed entries' own fields, report each entry; return the changed entries."""
        changed = []
        fields = self.updated_fields.pop(Disorder, set()) | {"updated_at"}
        publishable = {Disorder.Status.DRAFT, Disorder.Status.IN_REVIEW}
        for entry in self.entries.values():
            disorder = entry.disorder
            if entry.action != "created" and self.publish and entry.in_run and disorder.status in publishable:
                disorder.status = Disorder.Status.PUBLISHED
                disorder.published_at = disorder.published_at or self.now
                fields.update({"status", "published_at"})
                entry.touch()
            if entry.action != "unchanged":
                changed.append(disorder)
            if entry.code or entry.action != "unchanged":
                self.result.entries.append(ImportedEntry(entry.code, disorder.title, entry.action))
        existing = [disorder for disorder in changed if self.entries[disorder.pk].action == "updated"]
        for disorder in existing:
            disorder.updated_at = self.now
        Disorder.objects.bulk_update(existing, sorted(fields), batch_size=_BATCH)
        return changed

    def recorded(self, number, total):
        """Told by the unit of work as it records the run's revisions (one per changed entry)."""
        self.progress(f"Recording revisions: {number}/{total}")  # told once per batch

    def publish_run(self):
        """Publish the run's entries in bulk (a trusted source) once their revisions are recorded: those whose
        published version is not their latest revision. Archived entries stay unpublished."""
        ids = [
            pk
            for pk, entry in self.entries.items()
            if entry.in_run and entry.disorder.status != Disorder.Status.ARCHIVED
        ]
        self.progress(f"Publishing {len(ids)} entries")
        self.work.publish_all(ids, comment="Published by the Orphanet import", progress=self.progress)
