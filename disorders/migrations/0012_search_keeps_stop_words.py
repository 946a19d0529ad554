"""Search keeps stop words: "down" counts in "down syndrome" (English stemming drops it, so that query matched
every "syndrome"). The ``encyclopedia`` configuration stems with a Snowball English dictionary that has no stop
word list, and every entry's vector is rebuilt with it.
"""

from django.db import migrations

# The vector as disorders.search built it when this migration was written (a migration keeps its own copy).
REBUILD_VECTORS = """
UPDATE disorders_disorder AS d SET search_vector =
    setweight(to_tsvector('encyclopedia', d.title), 'A')
    || setweight(to_tsvector('encyclopedia', concat_ws(' ',
        (SELECT string_agg(name, ' ' ORDER BY position, id) FROM disorders_synonym WHERE disorder_id = d.id),
        (SELECT string_agg(name, ' ' ORDER BY position, id) FROM disorders_subdivision WHERE disorder_id = d.id)
    )), 'B')
    || setweight(to_tsvector('encyclopedia', d.summary), 'C')
    || setweight(to_tsvector('encyclopedia', coalesce(
        (SELECT string_agg(body, ' ' ORDER BY position, id) FROM disorders_section WHERE disorder_id = d.id), ''
    )), 'D');
"""


def mapping(dictionary):
    return (
        f"ALTER TEXT SEARCH CONFIGURATION encyclopedia ALTER MAPPING FOR asciiword, asciihword, hword_asciipart"
        f" WITH {dictionary};"
        f"ALTER TEXT SEARCH CONFIGURATION encyclopedia ALTER MAPPING FOR hword, hword_part, word"
        f" WITH unaccent, {dictionary};"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("disorders", "0011_repair_windows_1252"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE TEXT SEARCH DICTIONARY encyclopedia_stem (TEMPLATE = snowball, Language = english);"
            + mapping("encyclopedia_stem")
            + REBUILD_VECTORS,
            reverse_sql=mapping("english_stem") + "DROP TEXT SEARCH DICTIONARY encyclopedia_stem;" + REBUILD_VECTORS,
        ),
    ]
