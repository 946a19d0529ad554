"""Classification trees: the breadcrumb, the export's paths and the admin's tree filter read one tree mechanism.

The reference answers here walk ``parent`` one node at a time, as the code did before; the
real Orphanet trees in tests/data/orphanet/ are the data.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from disorders.export import Exporter, export_queryset
from disorders.importers.orphanet import load_orphanet
from disorders.models import Classification, Disorder
from tests.conftest import PROJECT_DIR
from tests.factories import make_classification, make_disorder

pytestmark = pytest.mark.django_db

ORPHANET = PROJECT_DIR / "tests" / "data" / "orphanet"


def chain_to_root(node):
    """The node's ancestors, root first, one parent at a time."""
    chain = []
    while node.parent_id is not None:
        node = Classification.objects.get(pk=node.parent_id)
        chain.append(node)
    return chain[::-1]


def in_tree_walked(root):
    """Every node under ``root`` (itself included), one level at a time."""
    found, level = [root], [root]
    while level:
        level = list(Classification.objects.filter(parent__in=level))
        found += level
    return found


def tree_queries(captured):
    return sum("WITH RECURSIVE" in query["sql"] for query in captured.captured_queries)


@pytest.fixture
def deep_node():
    node = None
    for depth in range(10):  # the root is depth 0, so the last node is at depth 9
        node = make_classification(f"Level {depth}", parent=node)
    return node


@pytest.fixture
def orphanet_trees():
    load_orphanet(packets=ORPHANET / "packets", classifications=ORPHANET / "classifications")
    return Classification.objects.all()


def test_breadcrumb_of_a_depth_nine_node_costs_a_fixed_number_of_queries(
    client, deep_node, django_assert_max_num_queries
):
    published = make_disorder("Deeply Classified Syndrome")
    published.classifications.add(deep_node)

    # The node with its tree path, its ancestors, its children, its entries: as for a node one level down.
    with django_assert_max_num_queries(4) as queries:
        response = client.get(deep_node.get_absolute_url())

    # The tree query walks every tree, so the page runs it once (ancestors are looked up by the path).
    assert tree_queries(queries) == 1

    breadcrumb = response.content.decode().split('aria-label="Breadcrumb"')[1].split("</nav>")[0]
    for ancestor in chain_to_root(deep_node):
        assert f'<a href="{ancestor.get_absolute_url()}">{ancestor.name}</a>' in breadcrumb
    assert [node.name for node in response.context["ancestors"]] == [f"Level {depth}" for depth in range(9)]
    assert "Deeply Classified Syndrome" in response.content.decode()


def test_ancestors_of_every_real_orphanet_node_are_its_parent_chain(orphanet_trees):
    for node in orphanet_trees:
        assert list(node.ancestors()) == chain_to_root(node), node


def test_export_paths_of_real_orphanet_nodes_are_the_names_up_to_the_root(orphanet_trees):
    nodes = list(orphanet_trees)

    paths = dict(Exporter().classification_paths(nodes))

    assert max(len(path) for path in paths.values()) >= 3
    for node in nodes:
        assert paths[node] == [ancestor.name for ancestor in chain_to_root(node)] + [node.name]


def test_export_of_an_entry_under_a_depth_nine_node_costs_one_query_for_all_its_paths(
    deep_node, django_assert_num_queries
):
    entry = make_disorder("Deeply Classified Syndrome")
    entry.classifications.add(deep_node, deep_node.parent.parent)
    exporter = Exporter()
    entry = export_queryset().get(pk=entry.pk)

    with django_assert_num_queries(1):  # the paths of every node of the entry at once
        classifications = exporter.as_dict(entry)["classifications"]

    assert sorted(len(item["path"]) for item in classifications) == [8, 10]
    with django_assert_num_queries(0):  # known paths are kept for the rest of the run
        exporter.as_dict(entry)


def test_admin_tree_filter_finds_the_entries_anywhere_in_each_real_orphanet_tree(editor_client, orphanet_trees):
    roots = list(orphanet_trees.filter(parent=None))
    assert len(roots) >= 3

    for root in roots:
        expected = set(Disorder.objects.filter(classifications__in=in_tree_walked(root)))
        response = editor_client.get(reverse("admin:disorders_disorder_changelist"), {"tree": str(root.pk)})
        assert set(response.context["cl"].queryset) == expected, root


def test_a_node_cannot_be_moved_under_its_own_descendant(deep_node):
    root = Classification.objects.get(name="Level 0")
    root.parent = deep_node

    with pytest.raises(ValidationError) as refused:
        root.full_clean()

    assert refused.value.message_dict["parent"] == ["A classification cannot be placed under one of its own subgroups."]
