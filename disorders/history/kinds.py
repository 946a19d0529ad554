"""Kinds of revision (an editor's change, an import, a revert, a review, a publication), told from the comment.

The one place that classifies revisions: recent changes filter by it in SQL (:func:`kind_condition`)
and label each line in Python (:func:`revision_kind`), from the same rules. A new kind is one more
``RevisionKind`` in ``REVISION_KINDS``.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from disorders.history.restore import RECOVERED_COMMENT
from disorders.importers import IMPORT_COMMENT_PREFIX
from disorders.models import ReviewStep

REVERT_COMMENT_PREFIX = "Reverted to revision"  # restore.revert_entry's comment
REVIEWED_COMMENT = "Marked reviewed"
# disorders.publication's comments when it marks an entry published or withdraws it.
PUBLISHED_COMMENT = "Published"
UNPUBLISHED_COMMENT = "Unpublished"
EDIT = "edit"  # every revision no other kind claims


@dataclass(frozen=True)
class RevisionKind:
    key: str
    label: str
    prefixes: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    def matches(self, comment):
        return comment.startswith(self.prefixes) or comment in self.exact or comment.endswith(self.suffixes)

    def condition(self, field):
        """The same rule as ``matches``, on the comment column ``field`` (every kind has at least one rule)."""
        rules = [Q(**{f"{field}__startswith": prefix}) for prefix in self.prefixes]
        rules += [Q(**{field: text}) for text in self.exact]
        rules += [Q(**{f"{field}__endswith": suffix}) for suffix in self.suffixes]
        return reduce(or_, rules)


REVISION_KINDS = (
    RevisionKind("import", "Import", prefixes=(IMPORT_COMMENT_PREFIX,)),
    RevisionKind("revert", "Revert or recovery", prefixes=(REVERT_COMMENT_PREFIX,), exact=(RECOVERED_COMMENT,)),
    RevisionKind("review", "Review", exact=(REVIEWED_COMMENT,), suffixes=("(marked reviewed)",)),
    # Publishing, withdrawing and the review steps (disorders.publication, disorders.workflow).
    RevisionKind(
        "publication",
        "Publication or review step",
        prefixes=(
            PUBLISHED_COMMENT,
            UNPUBLISHED_COMMENT,
            *(label for _, label in ReviewStep.Action.choices),
        ),
    ),
)
KIND_CHOICES = [(EDIT, "Editor's change")] + [(kind.key, kind.label) for kind in REVISION_KINDS]
KIND_LABELS = dict(KIND_CHOICES)


def revision_kind(comment):
    """The key of the kind a revision with this comment is (``EDIT`` when no other kind claims it)."""
    return next((kind.key for kind in REVISION_KINDS if kind.matches(comment or "")), EDIT)


def kind_condition(key, field="revision__comment"):
    """A Q for revisions of kind ``key``, on the comment column ``field``."""
    for kind in REVISION_KINDS:
        if kind.key == key:
            return kind.condition(field)
    return ~reduce(or_, [kind.condition(field) for kind in REVISION_KINDS])
