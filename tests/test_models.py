"""Every named constraint holds in the database, and clean() explains it to an editor first."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from disorders.models import (
    Classification,
    Code,
    Disclaimer,
    Disorder,
    DisorderResource,
    DisorderSource,
    PreviousSlug,
    RetiredCode,
    Section,
    Source,
    Subdivision,
    Synonym,
)
from resources.models import Organization, Phone
from tests.factories import make_classification, make_disorder, make_organization, make_source

pytestmark = pytest.mark.django_db


def violates(constraint_name, create):
    """Assert the database refuses ``create()`` because of the named constraint."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        create()
    assert constraint_name in str(caught.value)


def test_disorder_slug_is_unique():
    make_disorder("Alpha", slug="alpha")
    violates("disorder_slug_unique", lambda: Disorder.objects.create(title="Other", slug="alpha"))
    with pytest.raises(ValidationError, match="already uses this web address"):
        Disorder(title="Other", slug="alpha").full_clean()


def test_disorder_title_cannot_be_blank():
    violates("disorder_title_not_blank", lambda: Disorder.objects.create(title="   ", slug="blank"))
    with pytest.raises(ValidationError, match="needs a title"):
        Disorder(title="   ", slug="blank").clean()


def test_published_disorder_needs_a_publication_date():
    disorder = make_disorder("Beta", published=False)
    violates(
        "disorder_published_has_date",
        lambda: Disorder.objects.filter(pk=disorder.pk).update(status=Disorder.Status.PUBLISHED),
    )
    # Saving through the model fills the date in, so editors never meet the constraint.
    disorder.status = Disorder.Status.PUBLISHED
    disorder.save()
    assert disorder.published_at is not None


def test_next_review_must_follow_last_review():
    day = datetime.date(2025, 1, 10)
    violates(
        "disorder_review_due_after_last_review",
        lambda: make_disorder("Gamma", last_reviewed_on=day, next_review_due=day),
    )
    with pytest.raises(ValidationError, match="must fall after the last review"):
        Disorder(title="Gamma", slug="gamma", last_reviewed_on=day, next_review_due=day).clean()


def test_published_queryset_hides_drafts_archived_and_scheduled():
    visible = make_disorder("Visible")
    make_disorder("Draft", published=False)
    make_disorder("Archived", published=False, status=Disorder.Status.ARCHIVED)
    # A published status without a published version: what a scheduled publication waits as.
    make_disorder(
        "Scheduled",
        published=False,
        status=Disorder.Status.PUBLISHED,
        published_at=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC),
    )
    assert list(Disorder.objects.published()) == [visible]


def test_synonym_is_unique_per_entry_ignoring_case():
    disorder = make_disorder("Delta", synonyms=["JMML"])
    violates("synonym_unique_per_disorder", lambda: Synonym.objects.create(disorder=disorder, name="jmml"))
    with pytest.raises(ValidationError, match="already has that synonym"):
        Synonym(disorder=disorder, name="Jmml").clean()
    # The same name on another entry is fine: two entries can share an old name.
    Synonym.objects.create(disorder=make_disorder("Epsilon"), name="JMML")


def test_synonym_and_subdivision_names_cannot_be_blank():
    disorder = make_disorder("Zeta")
    violates("synonym_name_not_blank", lambda: Synonym.objects.create(disorder=disorder, name=" "))
    violates("subdivision_name_not_blank", lambda: Subdivision.objects.create(disorder=disorder, name=""))


def test_subdivision_is_unique_per_entry_and_cannot_link_to_itself():
    disorder = make_disorder("Eta")
    Subdivision.objects.create(disorder=disorder, name="Type I")
    violates("subdivision_unique_per_disorder", lambda: Subdivision.objects.create(disorder=disorder, name="TYPE I"))
    violates(
        "subdivision_not_self_linked",
        lambda: Subdivision.objects.create(disorder=disorder, name="Type II", linked_disorder=disorder),
    )
    with pytest.raises(ValidationError, match="cannot link to its own entry"):
        Subdivision(disorder=disorder, name="Type II", linked_disorder=disorder).clean()


def test_one_section_of_each_kind_with_a_body():
    disorder = make_disorder("Theta", sections=[(Section.Kind.CAUSES, "Genes.")])
    violates(
        "section_one_per_kind",
        lambda: Section.objects.create(disorder=disorder, kind=Section.Kind.CAUSES, body="More genes."),
    )
    with pytest.raises(ValidationError, match="already has a section of this kind"):
        Section(disorder=disorder, kind=Section.Kind.CAUSES, body="x").clean()
    violates(
        "section_body_not_blank",
        lambda: Section.objects.create(disorder=disorder, kind=Section.Kind.DIAGNOSIS, body="\n  "),
    )


def test_source_link_once_per_entry_and_reference_unique_per_source():
    source = make_source(name="NORD")
    first, second = make_disorder("Iota"), make_disorder("Kappa")
    DisorderSource.objects.create(disorder=first, source=source, reference="nord592")
    violates("disorder_source_once", lambda: DisorderSource.objects.create(disorder=first, source=source))
    violates(
        "source_reference_unique",
        lambda: DisorderSource.objects.create(disorder=second, source=source, reference="nord592"),
    )
    with pytest.raises(ValidationError, match="already has this source reference"):
        DisorderSource(disorder=second, source=source, reference="nord592").clean()
    # Blank references are allowed many times.
    DisorderSource.objects.create(disorder=second, source=source)


def test_source_slug_and_name_are_unique():
    make_source(name="Orphanet", slug="orphanet")
    violates("source_slug_unique", lambda: Source.objects.create(name="Other", slug="orphanet"))
    violates("source_name_unique_ci", lambda: Source.objects.create(name="ORPHANET", slug="orpha2"))
    with pytest.raises(ValidationError, match="already has this name"):
        Source(name="orphanet", slug="x").clean()


def test_code_unique_per_entry_and_without_spaces():
    disorder = make_disorder("Lambda")
    Code.objects.create(disorder=disorder, system=Code.System.OMIM, value="607785")
    violates(
        "code_unique_per_disorder",
        lambda: Code.objects.create(disorder=disorder, system=Code.System.OMIM, value="607785"),
    )
    violates("code_value_no_spaces", lambda: Code.objects.create(disorder=disorder, system="ICD-10", value="C93 3"))
    with pytest.raises(ValidationError, match="no spaces"):
        Code(disorder=disorder, system="ICD-10", value="C93 3").clean()


def test_classification_slug_unique_sibling_names_unique_and_no_self_parent():
    root = make_classification("Rare haematological disease", slug="haem")
    violates("classification_slug_unique", lambda: Classification.objects.create(name="Other", slug="haem"))
    make_classification("Leukemia", parent=root)
    violates(
        "classification_name_unique_per_parent",
        lambda: Classification.objects.create(name="LEUKEMIA", slug="leuk-2", parent=root),
    )
    # Roots share the NULL parent and still may not repeat a name.
    violates(
        "classification_name_unique_per_parent",
        lambda: Classification.objects.create(name="rare haematological disease", slug="haem-2"),
    )
    violates("classification_not_own_parent", lambda: Classification.objects.filter(pk=root.pk).update(parent=root))
    root.parent = root
    with pytest.raises(ValidationError, match="cannot be its own parent"):
        root.clean()


def test_previous_slug_is_unique():
    disorder = make_disorder("Mu")
    PreviousSlug.objects.create(disorder=disorder, slug="old-mu")
    violates("previous_slug_unique", lambda: PreviousSlug.objects.create(disorder=disorder, slug="old-mu"))


def test_disclaimer_kind_unique_and_title_notice_names_the_title():
    violates("disclaimer_kind_unique", lambda: Disclaimer.objects.create(kind="medical", title="Again", body="x"))
    notice = Disclaimer.objects.get(kind=Disclaimer.Kind.TITLE_NOTICE)
    violates(
        "disclaimer_title_notice_names_title",
        lambda: Disclaimer.objects.filter(pk=notice.pk).update(body="No placeholder"),
    )
    notice.body = "No placeholder"
    with pytest.raises(ValidationError, match=r"must contain \{title\}"):
        notice.clean()


def test_title_notice_names_the_entry():
    notice = Disclaimer.objects.get(kind=Disclaimer.Kind.TITLE_NOTICE)
    assert "report Juvenile Myelomonocytic Leukemia is not" in notice.render_for(
        Disorder(title="Juvenile Myelomonocytic Leukemia")
    )


def test_organization_slug_and_name_unique():
    make_organization("Leukemia & Lymphoma Society", slug="lls")
    violates("organization_slug_unique", lambda: Organization.objects.create(name="Other", slug="lls"))
    violates(
        "organization_name_unique_ci", lambda: Organization.objects.create(name="leukemia & lymphoma society", slug="x")
    )
    with pytest.raises(ValidationError, match="link that one instead"):
        Organization(name="LEUKEMIA & LYMPHOMA SOCIETY", slug="y").clean()


def test_phone_unique_per_kind_and_needs_digits():
    organization = make_organization(phones=[(Phone.Kind.TEL, "(212)344-6633")])
    violates(
        "phone_unique_per_organization",
        lambda: Phone.objects.create(organization=organization, kind=Phone.Kind.TEL, number="(212)344-6633"),
    )
    # The same number as TDD is a different line of contact, as in the founding document.
    Phone.objects.create(organization=organization, kind=Phone.Kind.TDD, number="(212)344-6633")
    violates("phone_number_has_digit", lambda: Phone.objects.create(organization=organization, number="none"))
    with pytest.raises(ValidationError, match="needs digits"):
        Phone(organization=organization, number="n/a").clean()


@pytest.mark.parametrize(
    ("country", "region", "number", "uri"),
    [
        ("", "NY", "(212)344-6633", "tel:+12123446633"),  # NORD prints US addresses without a country
        ("United States", "", "1-800-323-7938", "tel:+18003237938"),
        ("", "NY", "(212) 344-6633 ext. 12", "tel:+12123446633;ext=12"),
        ("United Kingdom", "", "(020) 7946 0000", "tel:+442079460000"),
        ("Switzerland", "", "41227912111", "tel:+41227912111"),
        ("France", "", "33478000000", "tel:+33478000000"),
        ("France", "", "+44 20 7946 0000", "tel:+442079460000"),  # an international number is dialled as written
        ("", "", "+41 22 791 21 11", "tel:+41227912111"),
    ],
)
def test_phone_tel_uri_dials_from_the_organizations_country(country, region, number, uri):
    phone = Phone(organization=Organization(country=country, region=region), number=number)

    assert phone.tel_uri == uri


@pytest.mark.parametrize(
    ("country", "region", "number"),
    [
        ("United States", "", "call 12"),  # not a number
        ("United Kingdom", "", "12"),  # too short to dial anywhere
        ("", "", "(212)344-6633"),  # no country to dial it from
        ("Atlantis", "", "(212)344-6633"),
    ],
)
def test_phone_that_cannot_be_dialled_gets_no_tel_uri(country, region, number):
    phone = Phone(organization=Organization(country=country, region=region), number=number)

    assert phone.tel_uri == ""


@pytest.mark.parametrize(
    ("country", "number", "toll_free"),
    [
        ("United States", "(800)323-7938", True),
        ("United States", "(866)555-0111", True),
        ("United Kingdom", "0800 00 1066", True),
        ("United States", "(212)344-6633", False),
        ("United Kingdom", "(020) 7946 0000", False),
        ("United States", "garbage", False),
    ],
)
def test_phone_knows_toll_free_numbers_of_its_country(country, number, toll_free):
    assert Phone(organization=Organization(country=country), number=number).is_toll_free is toll_free


def test_resource_listed_once_per_entry():
    disorder = make_disorder("Nu")
    organization = make_organization(disorder=disorder)
    violates(
        "resource_once_per_disorder",
        lambda: DisorderResource.objects.create(disorder=disorder, organization=organization),
    )
    with pytest.raises(ValidationError, match="already listed"):
        DisorderResource(disorder=disorder, organization=organization).clean()


def test_organization_address_prints_like_an_envelope():
    organization = Organization(
        name="Children's Tumor Foundation",
        street_address="95 Pine Street\n16th Floor",
        locality="New York",
        region="NY",
        postal_code="10005-4002",
        country="United States",
    )
    assert organization.address_lines == [
        "95 Pine Street",
        "16th Floor",
        "New York, NY 10005-4002",
        "United States",
    ]
    assert Organization(locality="Lyon", postal_code="69001", country="France").address_lines == [
        "Lyon, 69001",
        "France",
    ]


def test_retired_code_is_unique_and_cannot_replace_itself():
    RetiredCode.objects.create(system=Code.System.ORPHA, value="1234", status="deprecated", replaced_by="86834")
    violates(
        "retired_code_unique",
        lambda: RetiredCode.objects.create(system=Code.System.ORPHA, value="1234", status="obsolete"),
    )
    violates(
        "retired_code_not_replaced_by_itself",
        lambda: RetiredCode.objects.create(system="ORPHA", value="77", status="deprecated", replaced_by="77"),
    )
    with pytest.raises(ValidationError, match="cannot replace itself"):
        RetiredCode(system="ORPHA", value="77", status="deprecated", replaced_by="77").clean()


@pytest.mark.parametrize(
    "table",
    [
        "disorders_disorder",
        "disorders_publishedentry",
        "disorders_previousslug",
        "disorders_classification",
        "disorders_source",
        "resources_organization",
    ],
)
def test_a_slug_column_has_one_index_its_unique_constraint(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%(slug%%'", [table])
        assert len(cursor.fetchall()) == 1
