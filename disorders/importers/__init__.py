"""Importers of other organizations' data: NORD abstracts (``nord``) and Orphanet open data (``orphanet``)."""


class TitlesByAction:
    """A run's result: the titles of its entries by what happened to them, from ``outcomes`` (title, action)."""

    outcomes = ()

    def titles(self, action):
        return [outcome.title for outcome in self.outcomes if outcome.action == action]

    @property
    def created(self):
        return self.titles("created")

    @property
    def updated(self):
        return self.titles("updated")

    @property
    def unchanged(self):
        return self.titles("unchanged")
