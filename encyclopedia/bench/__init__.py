"""The benchmark's own pieces: its settings (with a hello-world view to compare pages with) and the load runner.

Nothing here is loaded by the site; ``manage.py benchmark`` starts gunicorn on these settings.
"""
