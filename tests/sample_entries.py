"""Whole entries built from factories, mirroring the demo documents, for page tests."""

import datetime

from disorders.models import DisorderSource, Section, Source
from resources.models import Phone
from tests.factories import make_disorder, make_organization, republish

NORD_NAME = "National Organization for Rare Disorders, Inc."
JMML_TITLE = "Juvenile Myelomonocytic Leukemia"
JMML_DISCUSSION = [
    "Juvenile myelomonocytic leukemia (JMML) is a rare pediatric form of blood cancer. JMML predominately "
    "affects young children, most often developing in children under the age of 4.",
    "Over the years, several different classification systems have been used to define JMML. Currently, the "
    "World Health Organization (WHO) classifies JMML as an overlap myelodysplastic syndrome/myeloproliferative "
    "disorder.",
]
JMML_COMPLETE_REPORT = (
    "This is an abstract of a report from the National Organization for Rare Disorders (NORD). A copy of the "
    "complete report can be downloaded free from the NORD website for registered users."
)
JMML_SOURCE_DISCLAIMERS = [
    "The information provided in this report is not intended for diagnostic purposes. It is provided for "
    "informational purposes only.",
    "This disease entry is based upon medical information available through the date at the end of the topic.",
]
JMML_COPYRIGHT = "Copyright 2013 National Organization for Rare Disorders, Inc."
JMML_CHANGED_AT = datetime.datetime(2024, 3, 15, 12, 0, tzinfo=datetime.UTC)


def make_nord_source():
    source, _ = Source.objects.get_or_create(slug="nord", defaults={"name": NORD_NAME, "short_name": "NORD"})
    return source


def make_jmml_entry(**fields):
    """The founding NORD abstract (Juvenile Myelomonocytic Leukemia) as an entry, with every part filled in."""
    fields.setdefault("content_changed_at", JMML_CHANGED_AT)
    disorder = make_disorder(
        JMML_TITLE,
        synonyms=["chronic myelomonocytic leukemia of infancy", "JMML"],
        **fields,
    )
    nord = make_nord_source()
    Section.objects.create(
        disorder=disorder,
        kind=Section.Kind.GENERAL_DISCUSSION,
        body="\n\n".join(JMML_DISCUSSION),
        source=nord,
    )
    DisorderSource.objects.create(
        disorder=disorder,
        source=nord,
        reference="nord1234",
        source_updated_on=datetime.date(2013, 5, 8),
        copyright=JMML_COPYRIGHT,
        complete_report=JMML_COMPLETE_REPORT,
        disclaimer="\n".join(JMML_SOURCE_DISCLAIMERS),
    )
    make_organization(
        "Children's Tumor Foundation",
        street_address="95 Pine Street\n16th Floor",
        locality="New York",
        region="NY",
        postal_code="10005-4002",
        phones=[
            (Phone.Kind.TEL, "(212)344-6633"),
            (Phone.Kind.FAX, "(212)747-0004"),
            (Phone.Kind.TOLL_FREE, "(800)323-7938"),
            (Phone.Kind.TDD, "(212)344-6633"),
        ],
        email="info@ctf.example.org",
        website="https://www.ctf.example.org/",
        disorder=disorder,
    )
    make_organization(
        "Leukemia & Lymphoma Society",
        street_address="1311 Mamaroneck Avenue\nSuite 310",
        locality="White Plains",
        region="NY",
        postal_code="10605",
        phones=[(Phone.Kind.TEL, "(914)949-5213"), (Phone.Kind.TOLL_FREE, "(800)955-4572")],
        disorder=disorder,
    )
    make_organization(
        "World Health Organization (WHO)",
        street_address="Avenue Appia 20",
        locality="Geneva 27",
        postal_code="1211",
        country="Switzerland",
        phones=[(Phone.Kind.TEL, "41227912111"), (Phone.Kind.FAX, "41227913111")],
        disorder=disorder,
    )
    make_organization(
        "Rare Cancer Alliance",
        street_address="1649 North Pacana Way",
        locality="Green Valley",
        region="AZ",
        postal_code="85614",
        disorder=disorder,
    )
    republish(disorder)
    return disorder
