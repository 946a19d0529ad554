"""Imports that cannot hurt: cut-off, foreign and oversized files are refused, NORD's own pages are found among their
furniture, and one rule decides when two names are the same."""

from pathlib import Path

import pytest
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.db import IntegrityError, connection, transaction

from disorders.importers.nord import (
    MAX_FILE_BYTES,
    MAX_SECTION_CHARS,
    NordImportError,
    load_abstracts,
    parse_abstract,
    read_abstract,
)
from disorders.models import Disorder, Section
from disorders.search import normalize_name
from encyclopedia.markup import SHORTENED, render_markdown
from tests.admin_forms import change_url, open_entry
from tests.conftest import DEMO_NORD_DIR
from tests.factories import make_disorder
from tests.test_import_nord import row_counts, run_command

pytestmark = pytest.mark.django_db

JMML = DEMO_NORD_DIR / "juvenile-myelomonocytic-leukemia.txt"
# Apart from the layout documents of test_import_nord_layouts, which counts those.
PAGES_DIR = Path(__file__).resolve().parent / "data" / "nord" / "rarediseases-org"
NORD_PAGE = PAGES_DIR / "brindlemoor-disease.txt"  # NORD's own 2010-2014 page: search box, letter bar
NOVEL_FURNITURE = PAGES_DIR / "caskwell-syndrome.txt"  # furniture lines no other document has


def jmml_entry():
    return Disorder.objects.get(title="Juvenile Myelomonocytic Leukemia")


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# --- Cut-off files ---------------------------------------------------------------------------------------------------


def test_founding_abstract_cut_at_byte_561_is_refused_and_the_published_entry_keeps_its_text(tmp_path):
    load_abstracts([JMML], publish=True)
    before = jmml_entry()
    (section,) = before.sections.all()
    attribution = before.attributions.get()
    cut = write(tmp_path, JMML.name, JMML.read_bytes()[:561])
    # The figures of the issue: a 2,028-character section would become 108 characters.
    assert len(section.body) == 2028
    assert len(parse_abstract(cut.read_text()).sections[0].body) == 108

    with pytest.raises(CommandError, match=rf"{JMML.name}: is incomplete: it has no Last Updated line"):
        run_command(cut)

    after = jmml_entry()
    assert after.version == before.version
    assert after.sections.get().body == section.body
    kept = after.attributions.get()
    assert (kept.copyright, kept.complete_report, kept.disclaimer, kept.source_updated_on) == (
        attribution.copyright,
        attribution.complete_report,
        attribution.disclaimer,
        attribution.source_updated_on,
    )


def test_file_cut_mid_sentence_after_its_closing_lines_is_refused(tmp_path):
    text = JMML.read_bytes()
    cut = write(tmp_path, JMML.name, text[: text.rindex(b"Incorporated.")])
    with pytest.raises(NordImportError, match=rf"{JMML.name}, line \d+: the text ends mid-sentence"):
        read_abstract(cut)


def test_update_without_a_complete_report_note_keeps_the_stored_one(tmp_path):
    load_abstracts([JMML], publish=True)
    stored = jmml_entry().attributions.get()
    text = JMML.read_text()
    note = text.index("For a Complete Report")
    without = write(tmp_path, JMML.name, text[:note] + text[text.index("The information provided", note) :])
    assert read_abstract(without).complete_report == ""

    load_abstracts([without])

    assert jmml_entry().attributions.get().complete_report == stored.complete_report != ""


def test_much_shorter_section_is_refused_naming_file_and_section_unless_allowed(tmp_path):
    load_abstracts([JMML], publish=True)
    body = jmml_entry().sections.get().body
    text = JMML.read_text()
    longest = max(body.split("\n\n"), key=len)
    shorter = write(tmp_path, JMML.name, text.replace(longest, "A short paragraph."))

    with pytest.raises(CommandError, match=rf"{JMML.name}: would replace the General discussion of .*--allow-shorter"):
        run_command(shorter)
    assert jmml_entry().sections.get().body == body

    run_command(shorter, "--allow-shorter")
    assert jmml_entry().sections.get().body.startswith("A short paragraph.\n\n")


# --- Text that is not an abstract -----------------------------------------------------------------------------------


def test_text_that_is_not_an_abstract_fails_the_run_naming_the_file_and_writes_nothing(tmp_path):
    write(tmp_path, JMML.name, JMML.read_bytes())
    write(tmp_path, "notes.txt", "just some words\n\nand more\n")
    with pytest.raises(CommandError, match=r"notes\.txt: is not a NORD abstract"):
        run_command(tmp_path)
    assert set(row_counts().values()) == {0}


# --- Size -----------------------------------------------------------------------------------------------------------


def test_file_larger_than_the_cap_is_refused_before_it_is_parsed(tmp_path):
    text = JMML.read_bytes()
    big = write(tmp_path, "big.txt", text * (MAX_FILE_BYTES // len(text) + 1))
    with pytest.raises(NordImportError, match=r"big\.txt: is larger than 2 MB"):
        read_abstract(big)


def test_section_longer_than_the_cap_is_refused_naming_file_and_section(tmp_path):
    text = JMML.read_text()
    paragraph = "Filler words repeated far past any real section. " * (MAX_SECTION_CHARS // 48)
    long = write(tmp_path, "long.txt", text.replace("in 1924.", f"in 1924.\n\n{paragraph}"))
    with pytest.raises(NordImportError, match=r"long\.txt, line \d+: the section 'General Discussion' has [\d,]+ char"):
        read_abstract(long)


def test_section_body_over_the_cap_is_refused_by_the_model_and_the_database():
    disorder = make_disorder("Capped Syndrome")
    section = Section(disorder=disorder, kind=Section.Kind.CAUSES, body="x" * (MAX_SECTION_CHARS + 1))
    with pytest.raises(ValidationError, match="at most 100,000 characters; this one has 100,001"):
        section.full_clean()
    with pytest.raises(IntegrityError, match="section_body_size"), transaction.atomic():
        section.save()
    section.body = "x" * MAX_SECTION_CHARS
    section.save()


def test_rendering_cuts_absurdly_long_text_with_a_note():
    html = render_markdown("A sentence of words. " * 200_000)
    assert SHORTENED in html
    assert len(html) < 110_000


def test_text_full_of_brackets_renders_as_plain_paragraphs():
    # Python-Markdown needs seconds for this (each unclosed "[" rescans the paragraph); shown as text instead.
    html = render_markdown("[a](b " * 2000 + "**end**\n\nNext <b>paragraph</b>.")
    assert html.endswith("[a](b **end**</p><p>Next &lt;b&gt;paragraph&lt;/b&gt;.</p>")
    assert render_markdown("Some **bold** [link](https://example.org).") == (
        '<p>Some <strong>bold</strong> <a href="https://example.org" rel="noopener noreferrer">link</a>.</p>'
    )


# --- NORD's own pages and furniture never seen ----------------------------------------------------------------------


def test_nord_page_with_search_box_sentence_and_letter_bar_reads_by_its_structure():
    abstract = read_abstract(NORD_PAGE)
    assert abstract.title == "Brindlemoor Disease"
    assert abstract.synonyms == ["Brindlemoor syndrome", "BMD"]
    assert [section.heading for section in abstract.sections] == ["General Discussion", "Symptoms", "Causes"]
    assert abstract.acknowledgement.startswith("NORD is very grateful to Dr. Rowan Placeholder")
    assert abstract.organizations[0].name == "Brindlemoor Support Circle"
    assert abstract.skipped == [
        "line 1: NORD - National Organization for Rare Disorders",
        "line 3: Donate",
        "line 7: Enter a disease name or a word from its description, then press Search.",
        "line 13: Rare Disease Database",
    ]
    # The letter bar below the closing lines is furniture too, not a disclaimer.
    assert abstract.disclaimers == [
        "The information in NORD's Rare Disease Database is for educational purposes only. "
        "This fictional report is not medical advice."
    ]


def test_title_named_by_the_notice_is_the_nearest_line_above_it_that_says_the_name():
    text = NORD_PAGE.read_text().replace("Rare Disease Database\n", "Brindlemoor Disease\n\nPrint this page\n\n")
    abstract = parse_abstract(text)
    assert (abstract.title, abstract.source) == ("Brindlemoor Disease", "")
    assert abstract.skipped[-2:] == ["line 13: Brindlemoor Disease", "line 15: Print this page"]


def test_furniture_never_seen_above_the_title_is_skipped_and_listed_by_the_dry_run():
    abstract = read_abstract(NOVEL_FURNITURE)
    assert (abstract.title, abstract.source) == ("Caskwell Syndrome", "National Organization for Rare Disorders, Inc.")
    assert abstract.synonyms == ["Caskwell disease"]
    assert abstract.sections[0].body.startswith("Caskwell syndrome is an invented condition.")
    assert len(abstract.skipped) == 5

    printed = run_command(NOVEL_FURNITURE, "--dry-run")

    assert "caskwell-syndrome.txt: Caskwell Syndrome — 1 synonyms" in printed
    assert "skipped above the title, line 1: Become a Member Today" in printed
    assert "skipped above the title, line 9: Rare Disease Database \u203a Caskwell Syndrome" in printed
    assert set(row_counts().values()) == {0}


def test_nord_pages_import_in_one_run():
    result = load_abstracts([NORD_PAGE, NOVEL_FURNITURE])
    assert result.created == ["Brindlemoor Disease", "Caskwell Syndrome"]


# --- One rule for "same name" ---------------------------------------------------------------------------------------

TRICKY_NAMES = [
    "Behçet Disease",
    "Müller\u2013Çelik disease",
    "Sjögren\u2019s syndrome",
    "Hallervorden\u2011Spatz disease",
    "Ménétrier disease",
    "Æsir Œdème Straße",
    "Łódź “ﬁbrosis”",
]


def test_normalize_name_agrees_with_the_names_table():
    with connection.cursor() as cursor:
        cursor.execute("SELECT lower(unaccent(name)) FROM unnest(%s::text[]) AS name", [TRICKY_NAMES])
        in_database = [row[0] for row in cursor.fetchall()]
    assert [normalize_name(name) for name in TRICKY_NAMES] == in_database


def test_nord_file_titled_without_accents_updates_the_accented_entry(tmp_path):
    existing = make_disorder("Behçet disease", published=False)
    text = JMML.read_text().replace("Juvenile Myelomonocytic Leukemia", "Behcet Disease")
    result = load_abstracts([write(tmp_path, "behcet-disease.txt", text)])
    assert result.updated == ["Behçet disease"]
    assert list(Disorder.objects.all()) == [existing]


def test_admin_warns_when_another_entry_has_the_same_name(client, superuser):
    make_disorder("Behçet disease")
    twin = make_disorder("Behcet Disease", published=False, slug="behcet-disease-2")
    client.force_login(superuser)
    data = open_entry(client, twin)
    data["summary"] = "A second entry, by mistake."

    response = client.post(change_url(twin), data, follow=True)

    warnings = [str(m) for m in response.context["messages"] if m.level == messages.WARNING]
    assert warnings == ["Another entry has the same name: “Behçet disease”. If they are one disorder, merge them."]
