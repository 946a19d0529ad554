"""Filling in the admin's entry form as a browser would: what it shows, sent back with a person's changes."""

from django.urls import reverse


def change_url(disorder):
    return reverse("admin:disorders_disorder_change", args=[disorder.pk])


def form_data(response):
    """The POST data of an admin change form page exactly as it was rendered (every inline row included)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        _put(data, name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for row in formset.forms:
            for name in row.fields:
                _put(data, row.add_prefix(name), row[name].value())
    return data


def _put(data, key, value):
    if value is None or value is False:
        return  # an empty field, or an unticked checkbox, which browsers do not send
    if value is True:
        data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(item) for item in value]
    else:
        data[key] = str(value)


def open_entry(client, disorder):
    """GET the entry's change form and return its data, ready to be changed and posted."""
    response = client.get(change_url(disorder))
    assert response.status_code == 200, response.status_code
    return form_data(response)


def add_row(data, prefix, **fields):
    """Append a new inline row (say a synonym) to form data."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    return data


def row_index(data, prefix, field, value):
    """The index of the inline row whose ``field`` holds ``value``."""
    for index in range(int(data[f"{prefix}-TOTAL_FORMS"])):
        if data.get(f"{prefix}-{index}-{field}") == str(value):
            return index
    raise LookupError(f"no {prefix} row with {field}={value!r}")


def save_entry(client, disorder, data):
    return client.post(change_url(disorder), data)


def errors_of(response):
    """The messages an editor sees above the form and beside its fields, as text."""
    if response.status_code != 200 or response.context is None or "adminform" not in response.context:
        return []
    form = response.context["adminform"].form
    found = [str(error) for error in form.non_field_errors()]
    found += [f"{name}: {error}" for name, errors in form.errors.items() if name != "__all__" for error in errors]
    for inline in response.context["inline_admin_formsets"]:
        found += [str(error) for error in inline.formset.non_form_errors()]
        found += [str(error) for row in inline.formset.errors for errors in row.values() for error in errors]
    return found
