"""The public entry page and the pages it links to (classification, organization, home, errors)."""

import re

import pytest
from django.template.loader import get_template
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from disorders import history, publication
from disorders.models import Code, Disclaimer, Section, Subdivision
from resources.models import Phone
from tests.factories import make_classification, make_code, make_disorder, make_organization, make_source, republish
from tests.sample_entries import (
    JMML_COMPLETE_REPORT,
    JMML_COPYRIGHT,
    JMML_DISCUSSION,
    JMML_SOURCE_DISCLAIMERS,
    JMML_TITLE,
    NORD_NAME,
    make_jmml_entry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jmml():
    return make_jmml_entry()


def test_entry_shows_title_source_line_and_title_notice_naming_the_title(client, jmml):
    response = client.get(jmml.get_absolute_url())

    assertContains(response, f"<h1>{JMML_TITLE}</h1>", html=True)
    assertContains(response, f'<p class="source-line">{NORD_NAME}</p>', html=True)
    assertContains(response, f"It is possible that the main title of the report {JMML_TITLE} is not the name")
    assertContains(response, f"<title>{JMML_TITLE} | Rare Disorders Encyclopedia</title>", html=True)


def test_entry_lists_synonyms_and_says_none_when_there_are_no_subdivisions(client, jmml):
    response = client.get(jmml.get_absolute_url())

    assertContains(response, "<li>chronic myelomonocytic leukemia of infancy</li>", html=True)
    assertContains(response, "<li>JMML</li>", html=True)
    subdivisions = response.content.decode().split('id="subdivisions"')[1].split("</ul>")[0]
    assert "<li>None</li>" in subdivisions


def test_entry_shows_every_paragraph_of_its_sections_with_attribution(client, jmml):
    response = client.get(jmml.get_absolute_url())

    assertContains(response, '<h2 id="section-general_discussion">General discussion</h2>', html=True)
    for paragraph in JMML_DISCUSSION:
        assertContains(response, f"<p>{paragraph}</p>", html=True)
    assertContains(response, f'<p class="attribution">Source: {NORD_NAME}</p>', html=True)


def test_entry_shows_resources_with_full_address_and_a_tel_link_per_phone(client, jmml):
    response = client.get(jmml.get_absolute_url())

    assertContains(response, "95 Pine Street<br>16th Floor<br>New York, NY 10005-4002")
    assertContains(response, "Avenue Appia 20<br>Geneva 27, 1211<br>Switzerland")
    assertContains(response, "Leukemia &amp; Lymphoma Society")
    assertContains(response, '<a href="tel:+12123446633">(212)344-6633</a>', count=2, html=True)  # Tel and TDD
    assertContains(response, '<a href="tel:+18003237938">(800)323-7938</a>', html=True)
    assertContains(response, '<a href="tel:+41227912111">41227912111</a>', html=True)
    for label in ["Tel:", "Toll-free:", "Fax:", "TDD:"]:
        assertContains(response, f'<span class="contact-label">{label}</span>', html=True)
    # A fax number is not something to dial from the page.
    assertContains(response, "(212)747-0004")
    assertNotContains(response, "tel:+12127470004")
    assertContains(response, '<a href="mailto:info@ctf.example.org">info@ctf.example.org</a>', html=True)
    assertContains(response, 'href="https://www.ctf.example.org/"')
    organization = jmml.resources.get(organization__name="Rare Cancer Alliance").organization
    assertContains(response, f'href="{organization.get_absolute_url()}"')


def test_phone_links_dial_from_the_organizations_country_and_toll_free_numbers_say_so(client, jmml):
    make_organization(
        "Rare Disease UK",
        street_address="1 Example Street",
        locality="London",
        postal_code="N1 9AA",
        country="United Kingdom",
        phones=[
            (Phone.Kind.TEL, "(020) 7946 0000"),
            (Phone.Kind.TEL, "0800 00 1066"),
            (Phone.Kind.TDD, "ask at desk 1"),
        ],
        disorder=jmml,
    )
    make_organization(
        "Helpline of New York",
        locality="New York",
        region="NY",
        postal_code="10005",
        phones=[(Phone.Kind.TEL, "(212) 344-6633 ext. 12"), (Phone.Kind.TOLL_FREE, "(888)555-0199")],
        disorder=jmml,
    )

    response = client.get(jmml.get_absolute_url())

    assertContains(response, '<a href="tel:+442079460000">(020) 7946 0000</a>', html=True)
    assertContains(response, '<a href="tel:+12123446633;ext=12">(212) 344-6633 ext. 12</a>', html=True)
    # Shown as printed, with no link, when it cannot be dialled.
    assertContains(response, '<li><span class="contact-label">TDD:</span> ask at desk 1</li>', html=True)
    # A Tel line that is a toll-free number says so; a line already labelled toll-free does not repeat it.
    assertContains(
        response,
        '<a href="tel:+44800001066">0800 00 1066</a> <span class="contact-note">(toll-free)</span>',
        html=True,
    )
    assertContains(response, '<span class="contact-note">(toll-free)</span>', count=1, html=True)


def test_entry_shows_complete_report_disclaimers_copyright_and_both_dates(client, jmml):
    response = client.get(jmml.get_absolute_url())

    assertContains(response, "For a Complete Report")
    assertContains(response, JMML_COMPLETE_REPORT)
    for paragraph in JMML_SOURCE_DISCLAIMERS:
        assertContains(response, f"<p>{paragraph}</p>", html=True)
    for disclaimer in Disclaimer.objects.exclude(kind=Disclaimer.Kind.TITLE_NOTICE):
        assertContains(response, disclaimer.title)
    assertContains(response, '<p>Source last updated <time datetime="2013-05-08">May 8, 2013</time></p>')
    assertContains(response, JMML_COPYRIGHT)
    assertContains(response, 'Last updated <time datetime="2024-03-15">March 15, 2024</time>')


def test_entry_meta_description_is_the_summary_or_else_the_start_of_the_first_section(client, jmml):
    response = client.get(jmml.get_absolute_url())
    assertContains(response, '<meta name="description" content="Juvenile myelomonocytic leukemia (JMML) is a rare')
    description = response.context["document"]["description"]
    assert len(description) <= 160
    assert description.endswith("…")

    jmml.summary = "A rare blood cancer of young children."
    jmml.save()
    history.record_revision(jmml)
    assertNotContains(client.get(jmml.get_absolute_url()), "A rare blood cancer")  # pending, not yet published
    publication.publish(jmml, user=None)
    response = client.get(jmml.get_absolute_url())
    assertContains(response, '<meta name="description" content="A rare blood cancer of young children.">')


def test_entry_links_subdivisions_classifications_and_shows_codes(client):
    subtype = make_disorder("Examplitis type I")
    draft_subtype = make_disorder("Examplitis type II", published=False)
    disorder = make_disorder("Examplitis Syndrome")
    Subdivision.objects.create(disorder=disorder, name="Examplitis type I", linked_disorder=subtype)
    Subdivision.objects.create(disorder=disorder, name="Examplitis type II", linked_disorder=draft_subtype)
    group = make_classification("Rare blood disorders")
    disorder.classifications.add(group)
    republish(disorder)
    make_code(disorder, Code.System.ORPHA, "86834")
    make_code(disorder, Code.System.ICD10, "C93.3", relation=Code.Relation.NARROWER)

    response = client.get(disorder.get_absolute_url())

    assertContains(response, f'<a href="{subtype.get_absolute_url()}">Examplitis type I</a>', html=True)
    # Readers are not sent to an entry they cannot open.
    assertNotContains(response, draft_subtype.get_absolute_url())
    assertContains(response, "<li>Examplitis type II</li>", html=True)
    assertContains(response, f'<a href="{group.get_absolute_url()}">Rare blood disorders</a>', html=True)
    assertContains(
        response,
        '<dt>Orphanet</dt><dd><a href="https://www.orpha.net/en/disease/detail/86834" rel="external">86834</a></dd>',
        html=True,
    )
    assertContains(response, "<summary>Narrower (the code is more specific): 1 code</summary>", html=True)


def test_draft_entry_is_not_found_for_readers(client):
    draft = make_disorder("Unfinished Syndrome", published=False)

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)


def test_draft_entry_leads_staff_to_its_preview_and_readers_to_not_found(client, editor_client):
    draft = make_disorder("Unfinished Syndrome", published=False)

    response = editor_client.get(draft.get_absolute_url(), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:disorders_disorder_preview", args=[draft.pk])
    assertContains(response, '<p class="draft-banner preview-banner" role="status">', count=1)
    assertContains(response, "Preview — not what readers see.")
    assertContains(response, "It has no published version.")
    assertContains(response, '<meta name="robots" content="noindex">', html=True)
    editor_client.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_published_entry_has_no_draft_banner_for_staff(editor_client, jmml):
    response = editor_client.get(jmml.get_absolute_url())

    assertNotContains(response, "draft-banner")
    assertNotContains(response, "noindex")


def test_section_markdown_is_rendered_and_sanitized(client):
    body = (
        "Some **bold** text.\n\n"
        "<script>alert('body')</script>\n\n"
        "[a trap](javascript:alert(1)) and [a real link](https://example.org/)\n\n"
        '<a href="https://example.org/" onclick="alert(2)">raw</a> <img src="x" onerror="alert(3)">\n\n'
        "## Editor's heading"
    )
    disorder = make_disorder("Markdown Syndrome", sections=[(Section.Kind.DIAGNOSIS, body)])

    response = client.get(disorder.get_absolute_url())
    html = response.content.decode()

    assertContains(response, "<strong>bold</strong>")
    assertContains(response, '<a href="https://example.org/" rel="noopener noreferrer">a real link</a>', html=True)
    assertContains(response, "<h3>Editor's heading</h3>", html=True)
    for forbidden in ["alert(", "javascript:", "onclick", "onerror", "<img"]:
        assert forbidden not in html
    # The only scripts are the page's own: the search box's file and the JSON-LD data block.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/js/search.js" defer>',
        '<script type="application/ld+json">',
    ]


def test_entry_page_query_count_does_not_grow_with_synonyms_or_organizations(
    client, editor, django_assert_max_num_queries
):
    disorder = make_jmml_entry()
    for number in range(20):
        disorder.synonyms.create(name=f"Synonym {number}", position=number + 10)
    for number in range(10):
        make_organization(
            f"Helpers {number}",
            phones=[(Phone.Kind.TEL, f"(212)555-01{number:02}"), (Phone.Kind.FAX, f"(212)555-02{number:02}")],
            disorder=disorder,
        )
    disorder.classifications.add(make_classification(), make_classification())
    republish(disorder)
    make_code(disorder)

    # One per related list (prevalences, genes and signs among them), the disclaimers and the revision years.
    with django_assert_max_num_queries(13):
        response = client.get(disorder.get_absolute_url())

    assertContains(response, "Synonym 19")
    assertContains(response, "Helpers 9")
    # Staff pay two more (session and user) for the same page.
    client.force_login(editor)
    with django_assert_max_num_queries(15):
        client.get(disorder.get_absolute_url())


def test_classification_page_shows_breadcrumb_children_and_published_entries(client):
    root = make_classification("WHO classification")
    node = make_classification("Myeloproliferative neoplasms", parent=root)
    child = make_classification("Chronic neutrophilic leukemia", parent=node)
    published = make_disorder("Listed Disorder")
    draft = make_disorder("Hidden Disorder", published=False)
    published.classifications.add(node)
    republish(published)
    draft.classifications.add(node)
    republish(draft)

    response = client.get(node.get_absolute_url())

    assertContains(response, "<h1>Myeloproliferative neoplasms</h1>", html=True)
    assertContains(response, f'<a href="{root.get_absolute_url()}">WHO classification</a>', html=True)
    assertContains(response, f'<a href="{child.get_absolute_url()}">Chronic neutrophilic leukemia</a>', html=True)
    assertContains(response, "Listed Disorder")
    assertNotContains(response, "Hidden Disorder")


def test_organization_page_shows_contact_details_and_published_entries_it_serves(client):
    published = make_disorder("Served Disorder")
    draft = make_disorder("Unpublished Disorder", published=False)
    organization = make_organization(
        "Société Fictive des Maladies Rares",
        street_address="12 rue de l'Exemple",
        locality="Lyon",
        postal_code="69001",
        country="France",
        phones=[(Phone.Kind.TEL, "33478000000")],
        email="contact@example.fr",
        disorder=published,
    )
    organization.disorder_links.create(disorder=draft, position=1)

    response = client.get(organization.get_absolute_url())

    assertContains(response, "<h1>Société Fictive des Maladies Rares</h1>", html=True)
    assertContains(response, "12 rue de l&#x27;Exemple<br>Lyon, 69001<br>France")
    assertContains(response, '<a href="tel:+33478000000">33478000000</a>', html=True)
    assertContains(response, f'<a href="{published.get_absolute_url()}">Served Disorder</a>', html=True)
    assertNotContains(response, "Unpublished Disorder")


def test_home_page_lists_recently_updated_published_entries(client, jmml):
    make_disorder("Unfinished Syndrome", published=False)

    response = client.get(reverse("home"))

    assertContains(response, f'<a href="{jmml.get_absolute_url()}">{JMML_TITLE}</a>', html=True)
    assertContains(response, 'Updated <time datetime="2024-03-15">March 15, 2024</time>')
    assertNotContains(response, "Unfinished Syndrome")


def test_disclaimers_page_shows_site_disclaimers_but_not_the_title_notice(client):
    response = client.get(reverse("disclaimers"))

    assertContains(response, "<h2>Medical disclaimer</h2>", html=True)
    assertNotContains(response, "{title}")


def test_server_error_page_renders_without_a_request():
    html = get_template("500.html").render()

    assert "Something went wrong" in html
    assert 'href="/"' in html


def test_unknown_entry_is_not_found(client):
    response = client.get(reverse("disorders:detail", kwargs={"slug": "no-such-entry"}))

    assert response.status_code == 404


def test_source_notice_is_shown_for_sources_that_carry_one(client):
    orphanet = make_source(name="Orphanet", notice="Text from [Orphanet](https://www.orpha.net/), CC BY 4.0.")
    disorder = make_disorder("Licensed Syndrome")
    disorder.attributions.create(source=orphanet, reference="ORPHA:1")
    republish(disorder)

    response = client.get(disorder.get_absolute_url())

    assertContains(response, "CC BY 4.0")
    assertContains(response, "(reference ORPHA:1)")
