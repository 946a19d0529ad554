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
from tests.conftest import PROJECT_DIR, SHARED_DIR
from tests.factories import make_classification, make_disorder, republish

pytestmark = pytest.mark.django_db

ORPHANET = PROJECT_DIR / "tests" / "data" / "orphanet"
REAL_TREES = SHARED_DIR / "data" / "orphanet" / "orphanet-classifications-en-2025.tar.gz"


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
    republish(published)

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


def test_export_of_an_entry_under_a_depth_nine_node_gets_all_its_paths_with_the_entry(
    deep_node, django_assert_num_queries
):
    entry = make_disorder("Deeply Classified Syndrome")
    entry.classifications.add(deep_node, deep_node.parent.parent)
    republish(entry)
    exporter = Exporter()
    entry = export_queryset().get(pk=entry.pk)

    with django_assert_num_queries(0):  # the entry's prefetch brought the paths of every node
        classifications = exporter.as_dict(entry)["classifications"]

    assert sorted(len(item["path"]) for item in classifications) == [8, 10]
    # Fetched without the prefetch, the paths of every node cost one query, kept for the rest of the run.
    bare = Disorder.objects.get(pk=entry.pk)
    with django_assert_num_queries(2):  # the entry's classifications, then every path at once
        paths = exporter.classification_paths(bare.classifications.all())
    assert sorted(len(path) for _, path in paths) == [8, 10]
    with django_assert_num_queries(1):  # known paths are kept for the rest of the run
        exporter.classification_paths(bare.classifications.all())


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


@pytest.mark.skipif(not REAL_TREES.exists(), reason=f"the Orphanet classifications are not at {REAL_TREES}")
def test_all_31_real_orphanet_trees_give_every_node_its_path_and_the_deepest_its_breadcrumb(
    client, django_assert_max_num_queries
):
    load_orphanet(classifications=REAL_TREES)
    rows = {pk: (name, parent) for pk, name, parent in Classification.objects.values_list("pk", "name", "parent")}

    def walked(pk):
        names = []
        while pk is not None:
            name, pk = rows[pk]
            names.append(name)
        return names[::-1]

    nodes = list(Classification.objects.all())
    paths = dict(Exporter().classification_paths(nodes))
    assert len(nodes) > 2000
    assert all(paths[node] == walked(node.pk) for node in nodes)

    deepest = max(nodes, key=lambda node: len(paths[node]))
    assert len(paths[deepest]) == 10  # a node at depth 9, under nine ancestors
    with django_assert_max_num_queries(4):
        response = client.get(deepest.get_absolute_url())
    assert [node.name for node in response.context["ancestors"]] == walked(deepest.pk)[:-1]
