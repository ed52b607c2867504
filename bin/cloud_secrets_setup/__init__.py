"""The configuration page's server side: what each field means and how it is checked.

`fields` says which macro each field of the Data sources and Thresholds tabs sets and
checks a value in words a person understands; `account_rules` keeps the customer's
rules file, checked by the command's own validator (cloud_secrets.rules); `handlers`
wires both to splunktaucclib's REST handler framework. Only `handlers` imports
splunktaucclib and solnlib (shipped in the app's lib/); the rest is plain Python.
The command's core package, cloud_secrets, never imports anything from here.
"""

APP_ID = "cloud_secrets_detection"
