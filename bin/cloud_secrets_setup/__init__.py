"""The configuration page's server side: what each field means and how it is checked.

`fields` says which macro each field of the Data sources and Thresholds tabs sets and
checks a value in words a person understands (`search_terms` reads a source macro as the
search command does); `account_rules` decides what a save of the Account rules tab
writes to cloud_secrets_account_rules.conf, checked by the command's own validator
(cloud_secrets.rules); `handlers` wires them to splunktaucclib's REST handler framework,
which reads and writes through splunkd's REST API. Only `handlers` imports
splunktaucclib and solnlib (shipped in the app's lib/); the rest is plain Python.
The command's core package, cloud_secrets, never imports anything from here.
"""

APP_ID = "cloud_secrets_detection"
