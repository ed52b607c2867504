"""The pure-Python core of the cloudsecrets search command (never imports splunklib).

Modules, from the outside in:
- chunk: one protocol v2 execute body (CSV) in, one reply body out;
- engine: platform recognition, the `_raw` fallback, account-type classification;
- aws, gcp, azure, vault: one normalizer per platform, each listing its input shapes;
- rules, wildcard, regex_safety, conf_file: the ordered account-type rules of
  cloud_secrets_account_rules.conf (default/ and local/), and the reader of conf files;
- fields, schema: how an event is read, and the output schema;
- logs: where the command writes its own log.
"""
