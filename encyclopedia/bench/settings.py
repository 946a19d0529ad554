"""The site's production settings plus one hello-world view, the yardstick every page is measured against.

Pages are reported as a ratio to this view's requests per second under the same gunicorn, settings and
middleware, because absolute figures on a shared machine are noise.
"""

from encyclopedia.settings import *  # noqa: F403

ROOT_URLCONF = "encyclopedia.bench.urls"
