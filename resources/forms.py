from django import forms

from resources.models import Organization


class OrganizationFilterForm(forms.Form):
    """The directory's filters; every field is optional and a bad value is reported, not fatal."""

    q = forms.CharField(label="Name", required=False, max_length=100)
    country = forms.ChoiceField(label="Country", required=False)
    region = forms.ChoiceField(label="State or region", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are the places organizations are in, from one query.
        places = (
            Organization.objects.listed_by_published_entries().order_by().values_list("country", "region").distinct()
        )
        countries = sorted({country for country, _ in places if country}, key=str.casefold)
        regions = sorted({region for _, region in places if region}, key=str.casefold)
        self.fields["country"].choices = [("", "Any country"), *((country, country) for country in countries)]
        self.fields["region"].choices = [("", "Any state or region"), *((region, region) for region in regions)]

    def filter(self, organizations):
        """``organizations`` narrowed by the valid filters (an invalid one is left out and shows its error)."""
        self.is_valid()
        cleaned = self.cleaned_data
        if cleaned.get("q"):
            # Accent- and case-blind: "muller" finds "Müller".
            organizations = organizations.filter(name__unaccent__icontains=cleaned["q"])
        if cleaned.get("country"):
            organizations = organizations.filter(country=cleaned["country"])
        if cleaned.get("region"):
            organizations = organizations.filter(region=cleaned["region"])
        return organizations
