"""REST handler of the configuration page's Account rules tab.

UCC generates a handler of this name from globalConfig.json, storing the tab in a conf
file named after the tab (cloud_secrets_detection_account_rules.conf); this file replaces
it so that the tab lists and saves the stanzas of cloud_secrets_account_rules.conf, the
file the cloudsecrets command reads, through splunkd's REST API, each save checked by
the command's own validator (see cloud_secrets_setup.handlers).
"""

import import_declare_test  # noqa: F401  (puts the app's lib/ first on sys.path)
from cloud_secrets_setup.handlers import RULES_ENDPOINT, AccountRulesHandler
from splunktaucclib.rest_handler import admin_external, util

if __name__ == "__main__":
    util.remove_http_proxy_env_vars()  # splunkd is local: never reach it through a proxy
    admin_external.handle(RULES_ENDPOINT, handler=AccountRulesHandler)
