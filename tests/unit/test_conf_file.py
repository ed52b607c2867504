"""The .conf reader, against Splunk's conf syntax as documented.

Oracles:
- Splunk Enterprise Admin Manual, "Configuration file structure"
  (https://help.splunk.com/data-management/splunk-enterprise-admin-manual/9.4/administer-splunk-enterprise-with-configuration-files/configuration-file-structure):
  stanzas in square brackets, `attribute = value` settings, comments on their own line
  starting with #, attributes case-sensitive;
- the GLOBAL SETTINGS section at the top of every .conf.spec (e.g. inputs.conf.spec,
  https://help.splunk.com/en/data-management/splunk-enterprise-admin-manual/10.0/10.0.0-configuration-file-reference/inputs.conf):
  "Use the [default] stanza to define any global settings. You can also define global
  settings outside of any stanza, at the top of the file. ... If there are multiple
  default stanzas, settings are combined. In the case of multiple definitions of the
  same setting, the last definition in the file wins. If a setting is defined at both
  the global level and in a specific stanza, the value in the specific stanza takes
  precedence.";
- Admin Manual, "Configuration file precedence": an app's local/ wins over its default/,
  setting by setting;
- multi-line values: a line ending in a backslash continues on the next line, the form
  in which splunkd writes multi-line values (a saved search's `search`), and how Splunk
  AppInspect's own conf lexer reads them (the line break is kept in the value);
- "How to edit a configuration file": configuration files are UTF-8 (AppInspect accepts
  a byte-order mark, as editors on Windows write one).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from cloud_secrets import conf_file
from cloud_secrets.conf_file import ConfSyntaxError


def test_stanzas_and_settings():
    text = "[first]\nkey = value\nother=v2\n\n[second]\n  spaced   =   a b c  \n"
    assert conf_file.parse(text) == {"first": {"key": "value", "other": "v2"},
                                     "second": {"spaced": "a b c"}}


def test_comment_lines_and_hashes_inside_values():
    text = "# a comment\n[s]\n   # an indented comment\npattern = a#b # not a comment\n"
    assert conf_file.parse(text) == {"s": {"pattern": "a#b # not a comment"}}


def test_settings_before_the_first_stanza_belong_to_default():
    assert conf_file.parse("a = 1\n[s]\nb = 2\n") == {"default": {"a": "1"},
                                                      "s": {"b": "2"}}


def test_repeated_stanzas_combine_and_the_last_definition_wins():
    text = "[s]\na = 1\nb = 1\n[t]\nc = 1\n[s]\nb = 2\n[default]\nx = 1\n[default]\nx = 2\n"
    assert conf_file.parse(text) == {"s": {"a": "1", "b": "2"}, "t": {"c": "1"},
                                     "default": {"x": "2"}}


def test_default_settings_apply_where_a_stanza_does_not_set_them():
    stanzas = conf_file.parse("a = global\nb = global\n[s]\nb = own\n[t]\n")
    assert conf_file.with_defaults(stanzas) == {"s": {"a": "global", "b": "own"},
                                                "t": {"a": "global", "b": "global"}}


def test_names_and_keys_are_case_sensitive():
    stanzas = conf_file.parse("[S]\nKey = 1\n[s]\nkey = 2\n")
    assert stanzas == {"S": {"Key": "1"}, "s": {"key": "2"}}


def test_a_backslash_at_the_end_of_a_line_continues_the_value():
    text = "[s]\nsearch = index=a \\\n| stats count \\\n  by host\nnext = 1\n"
    assert conf_file.parse(text) == {
        "s": {"search": "index=a \n| stats count \n  by host", "next": "1"}}


def test_a_continuation_at_the_end_of_the_file_keeps_what_it_continued():
    assert conf_file.parse("[s]\na = x\\") == {"s": {"a": "x"}}


def test_byte_order_mark_and_crlf():
    text = "\ufeff[s]\r\na = 1\r\nb = two words\r\nsearch = x \\\r\n| y\r\n"
    assert conf_file.parse(text) == {"s": {"a": "1", "b": "two words", "search": "x \n| y"}}


def test_empty_values_and_equals_signs_in_values():
    assert conf_file.parse("[s]\nempty =\nsearch = a=b c=d\n") == {
        "s": {"empty": "", "search": "a=b c=d"}}


def test_stanza_names_keep_what_is_between_the_brackets():
    stanzas = conf_file.parse("[source::/var/log/[a]]\nx = 1\n[with space]\ny = 2\n")
    assert list(stanzas) == ["source::/var/log/[a]", "with space"]


@pytest.mark.parametrize(("text", "line", "words"), [
    ("[s]\na = 1\njust some words\n", 3, "neither a stanza header"),
    ("[s\na = 1\n", 1, "without its closing ]"),
    ("[]\na = 1\n", 1, "without a name"),
    ("[s]\ntwo words = 1\n", 2, "one word before the ="),
    ("[s]\n = 1\n", 2, "one word before the ="),
    ("[s]\na = 1 \\\n\nplain words\n", 4, "neither a stanza header"),
    ("platform,principal_type\nAWS,*\n", 1, "neither a stanza header"),
])
def test_lines_that_are_not_conf_syntax_name_their_number_and_never_their_text(
        text, line, words):
    with pytest.raises(ConfSyntaxError) as raised:
        conf_file.parse(text)
    assert raised.value.line == line and words in str(raised.value)
    assert str(raised.value).startswith(f"line {line}: ")
    for fragment in ("some words", "two words", "platform,", "AWS"):
        assert fragment not in str(raised.value)


@pytest.mark.parametrize(("text", "message"), [
    ("[]\n", "line 1: a stanza header without a name"),
    ("[s]\nwords\n", "line 2: neither a stanza header, a key = value line nor a comment"),
    ("[s]\na b = 1\n", "line 2: a key must be one word before the ="),
    ("\n\n[s\n", "line 3: a stanza header without its closing ]"),
])
def test_whole_syntax_messages(text, message):
    with pytest.raises(ConfSyntaxError) as raised:
        conf_file.parse(text)
    assert str(raised.value) == message


def test_overlay_is_stanza_by_stanza_and_key_by_key():
    default = {"a": {"x": "1", "y": "1"}, "b": {"x": "1"}}
    local = {"a": {"y": "2"}, "c": {"z": "3"}}
    assert conf_file.overlay(default, local) == {"a": {"x": "1", "y": "2"}, "b": {"x": "1"},
                                                 "c": {"z": "3"}}
    assert default == {"a": {"x": "1", "y": "1"}, "b": {"x": "1"}}  # inputs untouched


def test_a_local_default_stanza_reaches_stanzas_of_both_layers_unless_they_set_the_key():
    merged = conf_file.overlay({"shipped": {"order": "100"}, "bare": {}},
                               {"default": {"order": "5", "note": "n"}})
    assert conf_file.with_defaults(merged) == {
        "shipped": {"order": "100", "note": "n"}, "bare": {"order": "5", "note": "n"}}


def test_read(tmp_path):
    assert conf_file.read(tmp_path / "absent.conf", 100) is None
    (tmp_path / "x.conf").write_bytes(b"\xef\xbb\xbf[s]\r\na = 1\r\n")
    assert conf_file.read(tmp_path / "x.conf", 100) == {"s": {"a": "1"}}
    (tmp_path / "bad.conf").write_bytes(b"[s]\na = \xff\n")
    with pytest.raises(UnicodeDecodeError):
        conf_file.read(tmp_path / "bad.conf", 100)


def test_read_takes_a_file_of_exactly_the_limit_and_refuses_one_byte_more(tmp_path):
    text = b"[s]\na = " + b"x" * 91 + b"\n"  # 100 bytes
    (tmp_path / "x.conf").write_bytes(text)
    assert conf_file.read(tmp_path / "x.conf", 100) == {"s": {"a": "x" * 91}}
    with pytest.raises(conf_file.TooLarge) as refused:
        conf_file.read(tmp_path / "x.conf", 99)
    # What the command's warning quotes (an OSError's strerror), in the words of the
    # command's documentation: "larger than 4 MB" for its 4 MB limit.
    limit = 4 * 1024 * 1024
    assert conf_file.TooLarge(limit).strerror == "larger than 4 MB"
    assert isinstance(refused.value, OSError) and refused.value.errno == errno.EFBIG


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFO files on this platform")
def test_read_refuses_a_fifo_at_once_rather_than_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "x.conf")
    with pytest.raises(conf_file.NotRegularFile) as refused:
        conf_file.read(tmp_path / "x.conf", 100)
    assert refused.value.strerror == "not a regular file"
    assert refused.value.errno == errno.EINVAL


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_read_refuses_a_link_to_a_device_rather_than_reading_it_for_ever(tmp_path):
    (tmp_path / "x.conf").symlink_to("/dev/zero")
    with pytest.raises(conf_file.NotRegularFile):
        conf_file.read(tmp_path / "x.conf", 100)


def test_read_follows_a_link_to_a_regular_file(tmp_path):
    (tmp_path / "real.conf").write_text("[s]\na = 1\n")
    (tmp_path / "x.conf").symlink_to(tmp_path / "real.conf")
    assert conf_file.read(tmp_path / "x.conf", 100) == {"s": {"a": "1"}}


AGREED = [
    "a = 1\n[s]\nkey = v # not a comment\n# comment\nsearch = x \\\n| y\n[with space]\nk=2\n",
    "[s]\r\nempty =\r\nsearch = a=b c=d\r\n",
    "  [indented]\n  key   =   spaced value  \n",
]


@pytest.mark.parametrize("text", [*AGREED, "shipped"])
def test_files_read_as_splunk_appinspect_reads_them(text):
    """A second reader of Splunk's making: AppInspect's conf lexer (it differs on files
    that repeat a stanza, which it reports as an error, so none is used here)."""
    from pathlib import Path

    from splunk_appinspect.configuration_file import ConfigurationFile
    from splunk_appinspect.configuration_parser import configuration_lexer, parse

    if text == "shipped":
        root = Path(__file__).resolve().parents[2]
        text = (root / "default" / "cloud_secrets_account_rules.conf").read_text("utf-8")
    theirs = parse(text.splitlines(), ConfigurationFile(), configuration_lexer)
    expected = {name: {key: value for key, value, _line in theirs.items(name)}
                for name in theirs.section_names()}
    assert conf_file.parse(text) == expected
