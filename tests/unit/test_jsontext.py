"""splunkd's search-time JSON extraction as the tests stand it in for (devkit.jsontext).

Oracle: Search Reference, "spath": "a location path is composed of location steps
separated by periods", an array written `name{}` (`commits{}.author.name`), the values
of the same path in one event form a multivalue field; and the Knowledge Manager
Manual's `KV_MODE = json`, which extracts fields from JSON events only: text that is not
one complete JSON document gives no field.
"""

from __future__ import annotations

import pytest

from devkit.splunkd import extract_json


def test_the_spath_pages_commits_path_is_one_multivalue_field_in_document_order():
    raw = ('{"commits": [{"author": {"name": "Ann"}}, {"author": {"name": "Bo"}}, '
           '{"author": {"name": "Cy"}}], "repository": {"url": "http://x"}}')
    assert extract_json(raw) == {"commits{}.author.name": ["Ann", "Bo", "Cy"],
                                 "repository.url": "http://x"}


@pytest.mark.parametrize("raw", [
    "GetSecretValue by alice",          # not JSON
    '{"eventName": "GetSecretValue", "userIdentity": {"arn": "arn:aws:iam::1:user/a"',  # cut
    '{"a": "b", "c": ',                 # cut after a complete value
    '"a string"',                       # a scalar, not an object or array
    "",
])
def test_text_that_is_not_one_complete_json_document_gives_no_field(raw):
    assert extract_json(raw) == {}
