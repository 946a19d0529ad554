"""The entry form of the admin: no lost updates, status and review rights, an edit summary for the history."""

from django import forms
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.formats import date_format

from disorders import history, workflow
from disorders.models import Disorder, PublishedEntry

MARK_REVIEWED = "_mark_reviewed"  # name of the "Save and mark reviewed" button
# The workflow's buttons on the entry form (disorders.workflow), by the name each submit sends.
SUBMIT_FOR_REVIEW = "_submit_for_review"
PUBLISH = "_publish"  # approve and publish (or schedule, with a go-live time)
REQUEST_CHANGES = "_request_changes"
UNPUBLISH = "_unpublish"
WORKFLOW_BUTTONS = (SUBMIT_FOR_REVIEW, PUBLISH, REQUEST_CHANGES, UNPUBLISH)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        return value.strftime("%Y-%m-%dT%H:%M") if hasattr(value, "strftime") else value


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

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # A tabular inline names its columns once, in the table head; each cell's control gets a name of its
        # own ("Value, code 6"), or screen readers meet 97 unnamed "Value" boxes.
        row = (
            f"{self.model._meta.verbose_name} {index + 1}"
            if index is not None
            else f"new {self.model._meta.verbose_name}"
        )
        for name, field in form.fields.items():
            if not field.widget.is_hidden:
                label = field.label or name.replace("_", " ").capitalize()
                field.widget.attrs.setdefault("aria-label", f"{label}, {row}")

    def get_queryset(self):
        # The admin labels each row of a form sent back (a refused stale save, any error) with get_queryset()'s
        # objects, zipped with the rows in order: the database's rows now, perhaps changed, added or deleted by
        # someone else since. Once the rows are built, they are labelled by what this editor sent instead.
        if self.is_bound and "forms" in self.__dict__:
            return [form.instance for form in self.initial_forms]
        return super().get_queryset()


# Fields of the form that say how to save, not what the entry says.
NOT_CONTENT = ("edit_summary", "expected_version", "review_note", "go_live_at", "take_down_at")


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
    review_note = forms.CharField(
        max_length=2000,
        required=False,
        label="Review note",
        help_text="Submitting: what the reviewer should look at. Requesting changes: what the editor should fix "
        "(required; shown on this form until the entry is submitted again). Approving: an optional note.",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )
    go_live_at = forms.DateTimeField(
        required=False,
        label="Go live at",
        help_text="Approve now, publish later: empty publishes at once. Local time; manage.py publish_scheduled "
        "publishes it once the time has come.",
        widget=DateTimeInput,
    )
    take_down_at = forms.DateTimeField(
        required=False,
        label="Unpublish at",
        help_text="Optional: take the entry off the public site at this time.",
        widget=DateTimeInput,
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

    def _may(self, codename):
        return self.user is not None and self.user.has_perm(f"disorders.{codename}")

    @property
    def marks_reviewed(self):
        return MARK_REVIEWED in self.data

    @staticmethod
    def workflow_button(data):
        """The workflow button pressed (one of ``WORKFLOW_BUTTONS``), or None for a plain save."""
        return next((name for name in WORKFLOW_BUTTONS if name in data), None)

    @property
    def workflow_action(self):
        return self.workflow_button(self.data)

    def _check_workflow(self, cleaned_data, current):
        """Refuse a step this person may not take, or that does not apply to the entry as it stands."""
        action = self.workflow_action
        if action is None:
            return
        if action == SUBMIT_FOR_REVIEW:
            if not (self.user and workflow.may_submit(self.user)):
                raise forms.ValidationError("You cannot submit entries for review.")
            allowed = workflow.SUBMITTABLE
        else:
            if not (self.user and workflow.may_approve(self.user)):
                raise forms.ValidationError("Only reviewers can publish, unpublish or request changes.")
            allowed = {
                PUBLISH: workflow.APPROVABLE,
                REQUEST_CHANGES: workflow.RETURNABLE,
                UNPUBLISH: None,
            }[action]
        if current is None:
            raise forms.ValidationError("Save the new entry first, then submit it for review.")
        if allowed is not None and current.status not in allowed:
            raise forms.ValidationError(
                f"This entry is {current.get_status_display().lower()}: that step does not apply to it now."
            )
        if action == UNPUBLISH and not PublishedEntry.objects.filter(pk=current.pk).exists():
            raise forms.ValidationError("This entry is not published.")
        if action == REQUEST_CHANGES and not cleaned_data.get("review_note", "").strip():
            self.add_error("review_note", "Say what needs changing: the editor reads it on this form.")
        if action == PUBLISH:
            go_live, expiry = cleaned_data.get("go_live_at"), cleaned_data.get("take_down_at")
            if expiry and expiry <= max(filter(None, [go_live, timezone.now()])):
                self.add_error("take_down_at", "The unpublish time must come after the entry goes live.")

    def clean(self):
        cleaned_data = super().clean()
        if self.marks_reviewed:
            if not self._may("review_disorder"):
                raise forms.ValidationError("Only reviewers can mark an entry reviewed.")
            due = cleaned_data.get("next_review_due")
            if due and due <= timezone.localdate():
                self.add_error("next_review_due", "The next review must fall after today's review.")
        current = self._check_version(cleaned_data) if self.instance.pk else None
        self._check_workflow(cleaned_data, current)
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
            PublishedEntry.objects.filter(pk=current.pk).exists()
            and self.has_content_changes()
            and not cleaned_data.get("edit_summary")
        ):
            self.add_error("edit_summary", "This entry is published: say in a few words what you changed and why.")
        return current

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
        """Whether the person changed anything in the entry or its rows (summary, notes and version do not count)."""
        own = [name for name in self.changed_data if name not in NOT_CONTENT]
        formsets = getattr(self.instance, "_entry_formsets", [])
        return bool(own) or any(formset.has_changed() for formset in formsets)

    def revision_comment(self, change):
        summary = self.cleaned_data.get("edit_summary", "").strip()
        if self.marks_reviewed:
            return f"{summary} (marked reviewed)" if summary else "Marked reviewed"
        return summary or ("" if change else "Created")
