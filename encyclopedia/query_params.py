"""Numbers in query strings, parsed strictly."""

# PostgreSQL's bigint: a larger id is not an error of ours but no id at all.
BIGINT_MAX = 2**63 - 1


def query_int(value, *, maximum=BIGINT_MAX):
    """``value`` as a non-negative int if it is plain ASCII digits no larger than ``maximum``, else None.

    ``int()`` alone would take " 1", "1_000" and Arabic-Indic digits, and ``str.isdigit()`` says yes to "²",
    which ``int()`` then refuses: a person's odd query string must mean "no number", never a server error.
    """
    if not (isinstance(value, str) and value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= maximum else None
