"""Stand-in for the `splunk` package of Splunk's own Python, which is not published.

Only `splunk.admin` is provided (see admin.py). It is put on the handlers' PYTHONPATH by
the tests and never ships.
"""
