"""The entry form of the admin: no lost updates, status and review rights, an edit summary for the history."""

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format

from disorders import history
from disorders.models import Disorder

MARK_REVIEWED = "_mark_reviewed"  # name of the "Save and mark reviewed" button


class MultilineTextField(forms.CharField):
    """Browsers send textareas with CRLF line breaks; stored text uses LF, so an untouched field stays unchanged."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class EntryInlineFormSet(BaseInlineFormSet):
    """An inline of the entry form. Registers itself on the entry, so the entry form can tell whether rows changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance._entry_formsets = [*getattr(self.instance, "_entry_formsets", []), self]


class DisorderAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    edit_summary = forms.CharField(
        max_length=500,
        required=False,
        label="Edit summary",
        help_text="What you changed and why, in a few words; kept in the entry's history. "
        "Required when you change a published entry.",
        widget=forms.TextInput(attrs={"size": 80}),
    )
    # Set by DisorderAdmin.get_form: the person saving (the form class is made per request).
    user = None

    class Meta:
        model = Disorder
        # The admin passes the fields of its fieldsets; these are the ones a person may edit.
        fields = [
            "title",
            "slug",
            "summary",
            "status",
            "prevalence",
            "age_of_onset",
            "inheritance",
            "classifications",
            "next_review_due",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
        status = self.fields.get("status")
        if status is not None:
            # "Changes requested" and "Scheduled" come with a comment or a time: the workflow's buttons set them.
            allowed = {
                Disorder.Status.DRAFT,
                Disorder.Status.IN_REVIEW,
                Disorder.Status.PUBLISHED,
                Disorder.Status.ARCHIVED,
            }
            if not self._may("publish_disorder"):
                allowed = {Disorder.Status.DRAFT, Disorder.Status.IN_REVIEW}
                status.help_text = "Reviewers publish and archive entries; set “In review” when it is ready."
            current = self.instance.status if self.instance.pk else None
            status.choices = [(value, label) for value, label in status.choices if value in allowed or value == current]

    def _may(self, codename):
        return self.user is not None and self.user.has_perm(f"disorders.{codename}")

    @property
    def marks_reviewed(self):
        return MARK_REVIEWED in self.data

    def clean(self):
        cleaned_data = super().clean()
        if self.marks_reviewed:
            if not self._may("review_disorder"):
                raise forms.ValidationError("Only reviewers can mark an entry reviewed.")
            due = cleaned_data.get("next_review_due")
            if due and due <= timezone.localdate():
                self.add_error("next_review_due", "The next review must fall after today's review.")
        if self.instance.pk:
            self._check_version(cleaned_data)
        return cleaned_data

    def _check_version(self, cleaned_data):
        # Lock the row until this save commits (the admin's change view runs in one transaction),
        # so no one else can save between this check and our write.
        current = Disorder.objects.select_for_update().filter(pk=self.instance.pk).only("version", "status").first()
        if current is None:
            raise forms.ValidationError("This entry was deleted while you were editing it; your changes are not saved.")
        if cleaned_data.get("expected_version") != current.version:
            raise forms.ValidationError(self._conflict_message(current), code="stale")
        if (
            current.status == Disorder.Status.PUBLISHED
            and self.has_content_changes()
            and not cleaned_data.get("edit_summary")
        ):
            self.add_error("edit_summary", "This entry is published: say in a few words what you changed and why.")

    def _conflict_message(self, current):
        revision = history.latest_revision(current)
        if revision is None:
            who, when = "Someone else", ""
        else:
            moment = timezone.localtime(revision.date_created)
            who = history.user_label(revision.user) if revision.user else "Someone else"
            day = "" if moment.date() == timezone.localdate() else f" on {date_format(moment, 'F j')}"
            when = f" at {date_format(moment, 'H:i')}{day}"
        return (
            f"{who} saved this entry{when}, after you opened it. Your changes are below, not saved. "
            "Open the entry in a new tab to see theirs, then re-apply yours there."
        )

    def has_content_changes(self):
        """Whether the person changed anything in the entry or its rows (the summary and version do not count)."""
        own = [name for name in self.changed_data if name not in ("edit_summary", "expected_version")]
        formsets = getattr(self.instance, "_entry_formsets", [])
        return bool(own) or any(formset.has_changed() for formset in formsets)

    def revision_comment(self, change):
        summary = self.cleaned_data.get("edit_summary", "").strip()
        if self.marks_reviewed:
            return f"{summary} (marked reviewed)" if summary else "Marked reviewed"
        return summary or ("" if change else "Created")
