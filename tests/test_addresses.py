"""An entry's web address: one rule says whether it is taken, wherever an address is chosen.

An address is taken when another entry has it now, or had it before (an old address keeps
redirecting to its entry). The admin, the model's clean(), both importers, revert and
recover all ask ``Disorder.objects.holding_address()``.
"""

import pytest
from django.core.exceptions import ValidationError

from disorders import history
from disorders.importers.orphanet import load_orphanet
from disorders.models import Disorder, PreviousSlug
from tests.conftest import PROJECT_DIR
from tests.factories import make_disorder

pytestmark = pytest.mark.django_db

ORPHANET_PACKETS = PROJECT_DIR / "tests" / "data" / "orphanet" / "packets"


@pytest.fixture
def moved():
    """An entry at "new-address" that was at "old-address" (which still leads to it)."""
    entry = make_disorder("Moved Syndrome", slug="new-address")
    PreviousSlug.objects.create(disorder=entry, slug="old-address")
    return entry


def test_an_address_is_held_by_the_entry_that_has_it_now_or_had_it_before(moved):
    make_disorder("Bystander Syndrome", slug="bystander")

    assert list(Disorder.objects.holding_address("new-address")) == [moved]
    assert list(Disorder.objects.holding_address("old-address")) == [moved]
    assert not Disorder.objects.holding_address("never-used").exists()
    assert Disorder.objects.addresses() == {"new-address", "old-address", "bystander"}


def test_clean_refuses_another_entrys_current_or_old_address(moved):
    newcomer = Disorder(title="Newcomer Syndrome", slug="old-address")
    with pytest.raises(ValidationError) as refused:
        newcomer.full_clean()
    assert refused.value.message_dict["slug"] == [
        "This web address used to belong to “Moved Syndrome” and still leads there; choose another."
    ]

    newcomer.slug = "new-address"
    with pytest.raises(ValidationError, match="Another entry already uses this web address"):
        newcomer.full_clean()


def test_an_entry_may_go_back_to_its_own_old_address(moved):
    moved.slug = "old-address"

    moved.full_clean()


def test_orphanet_gives_a_new_entry_an_address_no_entry_holds_now_or_held_before(moved):
    make_disorder("Holder Syndrome", slug="juvenile-myelomonocytic-leukemia")
    PreviousSlug.objects.create(disorder=moved, slug="juvenile-myelomonocytic-leukemia-2")

    load_orphanet(packets=ORPHANET_PACKETS)

    created = Disorder.objects.get(title__iexact="Juvenile myelomonocytic leukemia")
    assert created.slug == "juvenile-myelomonocytic-leukemia-3"


def test_revert_keeps_the_current_address_when_the_old_one_is_another_entrys_now(moved):
    entry = make_disorder("Reverting Syndrome", slug="first-address")
    first = history.record_revision(entry, comment="First")
    entry.slug = "second-address"
    entry.save()
    history.record_revision(entry, comment="Moved")
    # Since then "first-address" came to lead to another entry.
    PreviousSlug.objects.filter(slug="first-address").update(disorder=moved)

    result = history.revert_entry(entry, first, user=None)

    entry.refresh_from_db()
    assert entry.slug == "second-address"
    assert result.notes == ["The web address “first-address” now belongs to another entry; the current one was kept."]
