"""Finding a published entry by any name it goes by, misspelled too, or by words in its text.

Readers search published versions only (``disorders.publication`` writes these on publish):

- ``PublishedEntry.search_vector``: a weighted tsvector in the ``encyclopedia`` text-search
  configuration (English stemming over accent-free words): A title, B synonyms and
  subdivisions, C summary, D section bodies. GIN-indexed.
- ``PublishedName``: one row per published title, synonym and subdivision with its
  ``normalized`` form, lower(unaccent(name)), trigram-indexed for typos and autocomplete.
- ``PublishedEntry.genes``, ``signs`` and ``codes``: GIN-indexed JSON keyed by gene id, sign id
  and "SYSTEM:VALUE".

Staff and importers look up working copies: ``DisorderName`` holds their names, rebuilt by
:func:`reindex` whenever ``entry_saved`` says an entry and all its rows were written (admin
save, revert), or ``entries_saved`` says it of many (an import); :func:`entries_named` and
:func:`entries_titled` read it.

The ``encyclopedia`` configuration stems English words but keeps stop words, so "down" counts
in "down syndrome".

Ranking (:func:`search`): an entry carrying the query as a code first ("ORPHA:558", "558",
"Q87.4", "OMIM 154700"; the shortest title first, see ``_SOURCES``), then an exact
name (a title before a synonym or a subdivision), then a name the query starts (a title
before another name, shorter names first), then full-text rank plus the score of the entry's
best near name (see ``_NAME_SCORE``). Misspellings are caught by names only; words of the text must be spelled
as the text spells them, give or take English stemming, case and accents.
"""

import functools
import re
import unicodedata

from django.contrib.postgres.search import (
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db import ProgrammingError, connection, connections, transaction
from django.db.models import (
    Case,
    FloatField,
    IntegerField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Length
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import mark_safe

from disorders.models import (
    NOT_ASCII,
    Code,
    Disorder,
    DisorderName,
    DisorderSign,
    PublishedEntry,
    PublishedName,
)
from disorders.signals import entries_saved, entry_saved
from encyclopedia.markup import plain_text

CONFIG = "encyclopedia"
# pg_trgm word similarity a name must reach to count as a misspelling of the query: "leukaemia"
# against "juvenile myelomonocytic leukemia" is 0.58, below pg_trgm's default of 0.6.
NAME_SIMILARITY = 0.5
# For a query of several words, whole words must match (strict word similarity): "cistic fibrosis"
# (0.68) and "haemophilia a" (0.69) still match, but "marfan syndrome" no longer nearly spells every
# "... syndrome" (5,498 of 7,725 entries' names reach word similarity 0.5; 11 reach strict 0.65).
PHRASE_SIMILARITY = 0.65
# Whole-string similarity for "did you mean" (pg_trgm's default).
SPELLING_SIMILARITY = 0.3
MAX_QUERY_LENGTH = 200
SUGGEST_MIN_LENGTH = 2
SUGGEST_LIMIT = 8
# Name scores: an exact name scores above any near match plus any text rank (at most 2 and 1).
EXACT_TITLE, EXACT_OTHER_NAME = 12.0, 11.0
# A name the query starts: plus the name's similarity (up to 1), so "Marfan syndrome" beats "Marfan syndrome type 2".
PREFIX_TITLE, PREFIX_OTHER_NAME = 8.0, 5.0
# An entry carrying the query as a code outranks any name, less a thousandth per letter of its title (see _SOURCES).
CODE, CODE_TITLE_LENGTH = 14.0, 0.001
# An entry associated with the gene the query names ranks below its exact names, above names the query starts.
GENE = 10.0
# An entry having the sign the query names: up to 2 by how often the sign is present (Frequency.weight), as a near name.
SIGN = 2.0
# ts_headline marks matches with private-use characters, which Markdown rendering and escaping keep (control
# characters would be stripped with the markup); we turn them into <mark>.
_START, _STOP = "\ue000", "\ue001"
_HIGHLIGHT = re.compile(f"{_START}([^{_START}{_STOP}]*){_STOP}")
# Emphasis cut in half where ts_headline cut the text ("pylori* infection") is left as bare asterisks.
_STRAY_EMPHASIS = re.compile(r"(?<![\w*])[*_]+(?=\w)|(?<=\w)[*_]+(?![\w*])")

_DELETE_NAMES_SQL = "DELETE FROM disorders_disordername WHERE disorder_id = ANY(%(ids)s)"
_INSERT_NAMES_SQL = """
WITH names AS (
    SELECT id AS disorder_id, title AS name, 'title' AS kind FROM disorders_disorder WHERE id = ANY(%(ids)s)
    UNION ALL
    SELECT disorder_id, name, 'synonym' FROM disorders_synonym WHERE disorder_id = ANY(%(ids)s)
    UNION ALL
    SELECT disorder_id, name, 'subdivision' FROM disorders_subdivision WHERE disorder_id = ANY(%(ids)s)
)
INSERT INTO disorders_disordername (disorder_id, name, kind, normalized)
SELECT disorder_id, name, kind, lower(unaccent(name)) FROM names
"""


def reindex(disorder_ids):
    """Rebuild the working copies' names of these entries (ids) from what is stored now (staff and importers).

    Two statements whatever the number of entries. Runs in the caller's transaction, so an
    entry and its names change together. Returns the number of names written.
    """
    ids = sorted({int(pk) for pk in disorder_ids})
    if not ids:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_NAMES_SQL, {"ids": ids})
        cursor.execute(_INSERT_NAMES_SQL, {"ids": ids})
        return cursor.rowcount


def reindex_all(batch_size=1000):
    """Rebuild both indexes (``manage.py rebuild_search_index``): the working copies' names, then the reader side's
    names and vectors from published documents. Returns how many published entries were indexed."""
    from disorders.publication import refresh_all_reader_indexes

    ids = list(Disorder.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        reindex(ids[start : start + batch_size])
    return refresh_all_reader_indexes(batch_size)


@receiver(entry_saved, dispatch_uid="disorders.search.refresh")
def refresh_entry(sender, disorder, **kwargs):
    """Keep the index of an entry current once the entry and all its rows are written."""
    reindex([disorder.pk])


@receiver(entries_saved, dispatch_uid="disorders.search.refresh_many")
def refresh_entries(sender, disorders, **kwargs):
    """The same for entries written together (a bulk import): two statements for all of them."""
    reindex([disorder.pk for disorder in disorders])


TRIGRAM_THRESHOLDS = {
    "pg_trgm.word_similarity_threshold": NAME_SIMILARITY,
    "pg_trgm.strict_word_similarity_threshold": PHRASE_SIMILARITY,
    "pg_trgm.similarity_threshold": SPELLING_SIMILARITY,
}


def store_trigram_thresholds(using="default"):
    """Make our thresholds the database's own, for every connection, however it arrives.

    The pg_trgm operators (%>, %) read their thresholds from the session. Set per connection they
    would leak to other clients through a transaction-mode pooler (PgBouncer) and be lost behind
    one that drops startup options; stored with the database (or, for a user that does not own it,
    with the user in this database) every server connection starts with them. Run after every
    ``migrate`` (a restore ends with one), since a dump of one database does not carry them.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    database = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        for name, value in TRIGRAM_THRESHOLDS.items():
            try:
                with transaction.atomic(using=using):
                    cursor.execute(f"ALTER DATABASE {database} SET {name} = %s", [str(value)])
            except ProgrammingError:  # only the owner may; a user may always set its own defaults
                cursor.execute(f"ALTER ROLE CURRENT_USER IN DATABASE {database} SET {name} = %s", [str(value)])
            # And for this session, which started before.
            cursor.execute("SELECT set_config(%s, %s, false)", [name, str(value)])


# Letters NFKD does not split into a base letter and an accent, and punctuation unaccent() maps to ASCII.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "\u0131": "i", "þ": "th", "ð": "d", "ß": "ss"}
    | dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-")
    | dict.fromkeys("\u2018\u2019\u201b\u2032", "'")
    | dict.fromkeys("\u201c\u201d\u201f", '"')
    | {"\u201a": ",", "\u201e": ",,", "«": "<<", "»": ">>"}
)


def normalize_name(name):
    """The one rule for "same name", used by every importer and the admin: case, accents and runs of spaces
    ignored ("Behçet Disease" == "behcet  disease"). It is the names table's ``lower(unaccent(name))`` done
    in Python (tests pin that the two agree), for matching many names without a query each.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(character for character in decomposed if not unicodedata.combining(character))
    return " ".join(bare.translate(_LETTERS).split())


def entries_titled(name):
    """Entries whose title is ``name`` by :func:`normalize_name`: how importers find an entry, and the admin a twin."""
    return Disorder.objects.filter(
        names__kind=DisorderName.Kind.TITLE, names__normalized=normalize_name(name)
    ).distinct()


def _normalized(text):
    """The SQL form names are stored under, so the query is folded by the same rules as the names."""
    # A subquery, so PostgreSQL folds it once (an InitPlan), where lower(unaccent()), being merely stable,
    # would be worked out again for every name compared with it: a third of a broad search's time.
    return RawSQL("SELECT lower(unaccent(%s))", [text], output_field=TextField())


def _starts_parameters(query):
    """How to find names that start with ``query`` as whole words ("marfan" starts "Marfan syndrome", not
    "Marfanoid …"): the LIKE pattern of the query's normalized form, and the position of the character after it."""
    prefix = normalize_name(query)
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"starts": f"{escaped}%", "after": len(prefix) + 1}


# "ORPHA:558", "OMIM 154700", "ICD-10 Q87.4", "MONDO:0007947": a system's name, then the code.
_SYSTEM_AND_CODE = re.compile(r"(?P<system>[a-z][a-z0-9-]*)\s*[:\s]\s*(?P<value>[a-z0-9][a-z0-9.:-]*)", re.IGNORECASE)
# A code on its own, in the shapes that cannot be mistaken for another system's: "558", "Q87.4".
_BARE_CODES = [
    (re.compile(r"\d{1,7}"), Code.System.ORPHA),
    (re.compile(r"[a-z]\d\d(?:\.\d{1,2})?", re.IGNORECASE), Code.System.ICD10),
]
# Systems as readers write them: "orpha", "Orphanet", "icd10".
_SYSTEMS = {
    spelling.casefold().replace("-", ""): system
    for system, label in Code.System.choices
    for spelling in (system, label)
}


def code_system(name):
    """The code system ``name`` means ("icd-10", "ICD10", "orphanet"), or None."""
    return _SYSTEMS.get(name.casefold().replace("-", ""))


def code_keys(system, value):
    """How the published version stores a code ("ORPHA:558"), as written or uppercased (as terminologies print it)."""
    return sorted({f"{system}:{value}", f"{system}:{value.upper()}"})


def published_codes(system, value):
    """Published entries carrying this code, as their published versions list it."""
    return PublishedEntry.objects.filter(codes__has_any_keys=code_keys(system, value))


def _query_code(query):
    """The (system, value) a query names, or None: "ORPHA:558", "OMIM 154700", a bare ORPHA number, an ICD-10 code."""
    query = query.strip()
    if (match := _SYSTEM_AND_CODE.fullmatch(query)) and (system := code_system(match["system"])):
        return system, match["value"]
    for pattern, system in _BARE_CODES:
        if pattern.fullmatch(query):
            return system, query
    return None


def _codes_matching(query):
    """The published versions' keys of the code the query names ("ORPHA:558"); None when it names no code."""
    if (code := _query_code(query)) is None:
        return None
    return code_keys(*code)


def entries_named(text):
    """Ids of entries (published or not) one of whose names contains ``text``, accents and case ignored.

    For staff lookups (the admin's search box): a substring match on the names table, which the
    trigram index answers without scanning every entry's synonyms.
    """
    return DisorderName.objects.filter(normalized__contains=_normalized(text)).values("disorder")


_KIND_ORDER = Case(
    When(kind=DisorderName.Kind.TITLE, then=Value(0)),
    When(kind=DisorderName.Kind.SYNONYM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)

# Results a query lists at most: enough for any reader (50 pages), and the ranking query's rows stay small.
MAX_RESULTS = 1000

# The ranking and a page of results are two SQL statements written out here rather than composed with the ORM:
# composing them took longer than PostgreSQL takes to answer them. Parameters are named: %(query)s is what the
# reader typed, and the rest come from _parameters().

# The query as names are stored, folded once per statement (see _normalized).
_TERM = "(SELECT lower(unaccent(%(query)s)))"
_TSQUERY = "websearch_to_tsquery(%(config)s::regconfig, %(query)s)"

# Name ``n`` starts with the query, followed by its end or a character neither letter nor digit. Not one regular
# expression: PostgreSQL keeps only 32 compiled, and compiling one with [[:alnum:]] took longer than the ranking.
_STARTS = "n.normalized LIKE %(starts)s AND substr(n.normalized, %(after)s, 1) !~ '[[:alnum:]]'"

# How well name ``n`` matches: exact, started by the query, or near (0 at the threshold, up to 2). A near match is
# its word similarity ``w.near`` scaled from the threshold (0) to a whole word (1), times one plus the similarity of
# the whole name: of two names containing the query, the one that is little else ("Huntington disease") beats a
# longer one ("Huntington disease-like syndrome due to …"). A name at the threshold scores 0 without the second
# similarity: most near names of a short query are there ("als" is as near "alpha" as "ALS").
_NAME_SCORE = f"""CASE
    WHEN n.normalized = {_TERM} THEN CASE n.kind WHEN 'title' THEN {EXACT_TITLE} ELSE {EXACT_OTHER_NAME} END
    WHEN {_STARTS} THEN CASE n.kind WHEN 'title' THEN {PREFIX_TITLE} ELSE {PREFIX_OTHER_NAME} END
        + similarity(n.normalized, {_TERM})
    WHEN w.near > {NAME_SIMILARITY} THEN (w.near - {NAME_SIMILARITY}) / {1 - NAME_SIMILARITY}
        * (1.0 + similarity(n.normalized, {_TERM}))
    ELSE 0.0
END"""
# Of an entry's matching names the best first: by score, a title before a synonym before a subdivision, by name.
_NAME_ORDER = "score DESC, CASE kind WHEN 'title' THEN 0 WHEN 'synonym' THEN 1 ELSE 2 END, name"

# Genes whose symbol is the query (any case: "ptpn11"), as the published versions' JSON keys them.
_GENE_IDS = "ARRAY(SELECT id::text FROM disorders_gene WHERE upper(symbol) = upper(%(query)s))"
# Signs named the query, accents and case ignored, in two parts so that an index answers each (see Sign's indexes).
_SIGN_NAMED = (
    f"lower(name) = lower(unaccent(%(query)s)) AND name !~ '{NOT_ASCII}'",
    f"name ~ '{NOT_ASCII}' AND lower(unaccent(name)) = lower(unaccent(%(query)s))",
)
_SIGN_IDS = " UNION ALL ".join(f"SELECT id FROM disorders_sign WHERE {named}" for named in _SIGN_NAMED)
# SIGN times how often the entry ``e`` has the sign ``named`` (its published ``signs``).
_SIGN_WEIGHT = "CASE e.signs ->> named.id::text {cases} END".format(
    cases=" ".join(
        f"WHEN '{frequency.value}' THEN {SIGN * weight}" for frequency, weight in DisorderSign.Frequency.weight.items()
    )
)

# One row per way a published entry matches: entry_id, code (the code's score, which replaces the others), score
# (a name's, the gene's or a sign's), and the name and its kind for a name. Each source is its own statement
# answered by its own index (a UNION ALL: an OR would scan every entry, and an OR of the names' indexes would test
# every near name twice). A name both exact and near comes twice, with the same score.
_NAME_ROWS = (
    f"SELECT n.entry_id, NULL::float8 AS code, {_NAME_SCORE} AS score, n.name::text, n.kind::text"
    " FROM disorders_publishedname AS n"
    # Worked out once per name (OFFSET 0 keeps PostgreSQL from writing it out again at each use): trigram
    # similarities are most of a search's time.
    f" CROSS JOIN LATERAL (SELECT word_similarity({_TERM}, n.normalized) AS near OFFSET 0) AS w WHERE "
)
_SOURCES = {
    "exact name": _NAME_ROWS + f"n.normalized = {_TERM}",
    "started name": _NAME_ROWS + _STARTS,
    # Above NAME_SIMILARITY (%>); for several words, whole words above PHRASE_SIMILARITY (%>>).
    "near name": _NAME_ROWS + f"n.normalized %%> {_TERM}",
    "near phrase": _NAME_ROWS + f"n.normalized %%>> {_TERM}",
    "text": "SELECT disorder_id, NULL, NULL, NULL, NULL FROM disorders_publishedentry"
    f" WHERE search_vector @@ {_TSQUERY}",
    "gene": f"SELECT disorder_id, NULL, {GENE}, NULL, NULL FROM disorders_publishedentry WHERE genes ?| {_GENE_IDS}",
    # The best of the entry's signs named the query (a join: a subquery for the score took 2 ms to plan).
    "sign": f"SELECT e.disorder_id, NULL, max({_SIGN_WEIGHT}), NULL, NULL FROM ({_SIGN_IDS}) AS named"
    " JOIN disorders_publishedentry AS e ON e.signs ? named.id::text GROUP BY e.disorder_id",
    # Entries carrying the code rank by title length, not by mapping relation: Orphanet maps a code to the
    # disorder's types as "exact" and to the disorder as "narrower" (OMIM 154700, Marfan syndrome, is exact for
    # "Marfan syndrome type 1"), and ICD-10 Q87.4 is exact for five entries; the shortest title is the disorder
    # the code is named after ("Marfan syndrome") before its types.
    "code": f"SELECT disorder_id, {CODE} - length(title) * {CODE_TITLE_LENGTH}, NULL, NULL, NULL"
    " FROM disorders_publishedentry WHERE codes ?| %(codes)s::text[]",
}

# Every matching entry scored once, the best MAX_RESULTS kept, with its best name and how many matched in all.
_RANKED_SQL = f"""
SELECT entry.disorder_id, ts_rank_cd(entry.search_vector, {_TSQUERY}, 32) + coalesce(candidate.code, candidate.score, 0)
       AS rank, candidate.name, candidate.kind, count(*) OVER () AS total
FROM (
    SELECT entry_id, max(code) AS code, max(score) AS score,
           (array_agg(name ORDER BY {_NAME_ORDER}) FILTER (WHERE name IS NOT NULL))[1] AS name,
           (array_agg(kind ORDER BY {_NAME_ORDER}) FILTER (WHERE name IS NOT NULL))[1] AS kind
    FROM ({{sources}}) AS found
    GROUP BY entry_id
) AS candidate
JOIN disorders_publishedentry AS entry ON entry.disorder_id = candidate.entry_id
ORDER BY rank DESC, entry.title, entry.disorder_id
LIMIT %(limit)s
"""


@functools.cache
def _ranked_sql(phrase, code):
    """The ranking statement for a query of several words (``phrase``) or one, naming a code or not."""
    names = ["exact name", "started name", "near phrase" if phrase else "near name"]
    sources = [*names, "text", "gene", "sign", *(["code"] if code else [])]
    return _RANKED_SQL.format(sources=" UNION ALL ".join(f"({_SOURCES[source]})" for source in sources))


# Each part names distinct pages (symbols are unique; a sign's name is ASCII or not): UNION ALL, and no semi-join,
# halve the planning.
_RELATED_SQL = (
    " UNION ALL ".join(
        [
            "SELECT 'gene' AS kind, symbol AS key, name FROM disorders_gene WHERE upper(symbol) = upper(%(query)s)",
            *(f"SELECT 'sign', hpo_id, name FROM disorders_sign WHERE {named}" for named in _SIGN_NAMED),
        ]
    )
    + " ORDER BY kind, name, key"
)


def related_pages(query):
    """The gene and the signs ``query`` names, for the results page to offer their pages; one query.

    A list of dicts: ``kind`` ("gene" or "sign"), ``key`` (the symbol or HPO id of the page's address), ``name``.
    """
    with connection.cursor() as cursor:
        cursor.execute(_RELATED_SQL, {"query": query})
        return [{"kind": kind, "key": key, "name": name} for kind, key, name in cursor.fetchall()]


# ts_headline marks the matches with _START and _STOP; two fragments of 20 to 35 words.
_HEADLINE_OPTIONS = (
    f"StartSel='{_START}', StopSel='{_STOP}', MaxWords=35, MinWords=20, MaxFragments=2, FragmentDelimiter=' … '"
)
# A page of results: what the results page shows of each (the headline's snippet and the code the query names,
# as the entry stores it: "ORPHA:558").
_PAGE_SQL = f"""
SELECT disorder_id, title, slug,
       ts_headline(%(config)s::regconfig, summary || E'\\n\\n' || body, {_TSQUERY}, %(headline)s) AS headline,
       (SELECT key FROM unnest(%(codes)s::text[]) WITH ORDINALITY AS listed (key, position)
        WHERE codes ? key ORDER BY position LIMIT 1) AS matched_code
FROM disorders_publishedentry
WHERE disorder_id = ANY(%(ids)s)
"""


def _parameters(query):
    return {
        "query": query,
        "config": CONFIG,
        **_starts_parameters(query),
        "codes": _codes_matching(query) or [],
        "limit": MAX_RESULTS,
        "headline": _HEADLINE_OPTIONS,
    }


class SearchResults:
    """The results of :func:`search`: a sequence Django's Paginator pages through, best first.

    Lazy: the first ``count()``, slice or iteration runs the ranking query, which scores every
    matching entry once and keeps the best ``MAX_RESULTS`` (their ids, ranks and best names, and
    how many matched in all); a slice then fetches its entries with what the results page shows.
    So a page costs two queries however many entries match, and ``total`` may exceed ``count()``
    (the results page says so).
    """

    def __init__(self, query):
        self.query = query
        self._parameters = _parameters(query)
        self._ranked = None
        self._total = 0

    def _rank(self):
        if self._ranked is None:
            sql = _ranked_sql(len(self.query.split()) > 1, bool(self._parameters["codes"]))
            with connection.cursor() as cursor:
                cursor.execute(sql, self._parameters)
                rows = cursor.fetchall()
            self._ranked = [row[:4] for row in rows]
            self._total = rows[0][4] if rows else 0
        return self._ranked

    def count(self):
        """How many results there are to page through: at most ``MAX_RESULTS``."""
        return len(self._rank())

    def __len__(self):
        return self.count()

    def pks(self):
        """The ranked entries' ids, best first (no second query): for pages built from ids, like the API's."""
        return [pk for pk, *_ in self._rank()]

    @property
    def total(self):
        """How many published entries match, all of them (``count()`` stops at ``MAX_RESULTS``)."""
        self._rank()
        return self._total

    def __getitem__(self, index):
        """Entries (title and slug) best first, each with what the results page shows of it.

        ``rank``; ``matched_name`` and ``matched_kind``: the code the query names (kind "code"), else the
        entry's best-matching name and whether it is its title, a synonym or a subdivision (None when only
        its text matched); ``snippet``: safe HTML, the best passages of its summary and sections, matches in
        ``<mark>``. One query for the slice, however deep.
        """
        if not isinstance(index, slice):
            return self[index : index + 1][0] if index >= 0 else list(self)[index]
        ranked = self._rank()[index]
        if not ranked:
            return []
        page = PublishedEntry.objects.raw(_PAGE_SQL, {**self._parameters, "ids": [pk for pk, *_ in ranked]})
        found = {entry.pk: entry for entry in page}
        results = []
        for pk, rank, name, kind in ranked:
            if (entry := found.get(pk)) is None:  # unpublished since it was ranked
                continue
            entry.rank = rank
            entry.matched_name, entry.matched_kind = (
                (entry.matched_code, "code") if entry.matched_code else (name, kind)
            )
            entry.snippet = highlight(entry.headline)
            results.append(entry)
        return results

    def __iter__(self):
        return iter(self[:])


def search(query):
    """Published entries matching ``query``, best first (:class:`SearchResults`, lazy: paginate it).

    An entry matches when its text matches the query as a web search (``websearch_to_tsquery``:
    words, "quoted phrases", -exclusions) or when one of its names equals the query or nearly
    spells it (trigram word similarity ≥ ``NAME_SIMILARITY``; for several words, whole-word
    similarity ≥ ``PHRASE_SIMILARITY``), accents and case ignored.
    An entry also matches when it carries the code the query names (see :func:`_query_code`).
    Each result carries ``rank``: the full-text rank (0 to 1) plus its code's score (about 14) or
    its best name's score (an exact name 11 or 12, a name the query starts 5 to 9, a near one up
    to 2), and what the results page shows (see :meth:`SearchResults.__getitem__`). A page costs
    two queries: the ranking and the page's entries.
    """
    return SearchResults(query)


# Characters and line starts Markdown gives a meaning to. A headline without any is its own plain text, so most
# snippets skip rendering (which was a fifth of a results page's time). Tested as a set and per line: one regular
# expression over the text took as long as the rest of the snippet.
_MARKDOWN_CHARACTERS = frozenset("\\`*_[]<>&#!|~\x02\x03")
_MARKDOWN_LINE_START = re.compile(r"[ \t]*(?:[-+=:>]|\d+\.)")


def _plain(text):
    """Markdown as one line of plain text, as :func:`encyclopedia.markup.plain_text` makes it."""
    if _MARKDOWN_CHARACTERS.isdisjoint(text) and not any(map(_MARKDOWN_LINE_START.match, text.splitlines())):
        return " ".join(text.split())
    return plain_text(text)


def highlight(headline):
    """A ``headline`` from :func:`search` as safe HTML: plain text (no Markdown), escaped, the matches in ``<mark>``."""
    text = _plain(headline or "")
    if "*" in text or "_" in text:
        text = _STRAY_EMPHASIS.sub("", text)
    # ts_headline cuts at words; say so where the cut is mid-sentence.
    if text[:1].islower():
        text = f"… {text}"
    if text and text.rstrip(_STOP)[-1:] not in {".", "!", "?", "…"}:
        text = f"{text} …"
    text = escape(text)  # the markers are letters to escape(): it keeps them
    text = _HIGHLIGHT.sub(r"<mark>\1</mark>", text).replace(_START, "").replace(_STOP, "")
    # Safe: everything but our own <mark> tags was escaped above.
    return mark_safe(text)


def suggest(query, limit=SUGGEST_LIMIT):
    """Up to ``limit`` published entries for an autocomplete box, one per entry, best first.

    A name matches when it starts with the query, has a word starting with it, or nearly
    spells it; the best-matching name of each entry is returned. Each item is a dict:
    ``title``, ``name`` (the matching name), ``kind`` (title, synonym or subdivision) and
    ``url``. One query; queries shorter than ``SUGGEST_MIN_LENGTH`` return nothing.
    """
    query = " ".join(query.split())
    if len(query) < SUGGEST_MIN_LENGTH:
        return []
    normalized = _normalized(query)
    candidates = (
        PublishedName.objects.filter(
            Q(normalized__startswith=normalized)
            | Q(normalized__contains=Concat(Value(" "), normalized))
            | Q(normalized__trigram_word_similar=normalized)
        )
        .annotate(
            score=Case(
                When(normalized=normalized, then=Value(EXACT_TITLE + 1)),
                When(normalized__startswith=normalized, then=Value(EXACT_TITLE)),
                When(normalized__contains=Concat(Value(" "), normalized), then=Value(EXACT_OTHER_NAME)),
                default=TrigramWordSimilarity(normalized, "normalized"),
                output_field=FloatField(),
            )
        )
        .select_related("entry")
        .only("name", "kind", "entry__title", "entry__slug")
        .order_by("-score", _KIND_ORDER, Length("name"), "name")
    )
    # Several names of one entry may match; keep each entry's best. Extra rows cover those duplicates.
    results, seen = [], set()
    for name in candidates[: limit * 4]:
        if name.entry_id in seen:
            continue
        seen.add(name.entry_id)
        results.append(
            {
                "title": name.entry.title,
                "name": name.name,
                "kind": name.kind,
                "url": name.entry.get_absolute_url(),
            }
        )
        if len(results) == limit:
            break
    return results


def did_you_mean(query, limit=3):
    """Names of published entries spelled most like ``query`` (trigram similarity), for a search that found nothing."""
    normalized = _normalized(query)
    names = (
        PublishedName.objects.filter(normalized__trigram_similar=normalized)
        .annotate(similarity=TrigramSimilarity("normalized", normalized))
        .order_by("-similarity", _KIND_ORDER, "name")
        .values_list("name", flat=True)
    )
    spellings = []
    for name in names[: limit * 4]:
        if name.casefold() not in {spelling.casefold() for spelling in spellings}:
            spellings.append(name)
    return spellings[:limit]
