"""REST handler of the configuration page's Account rules tab.

UCC generates a handler of this name from globalConfig.json; this file replaces it so
that the tab keeps the rules in the lookup file the cloudsecrets command reads, checked
by the command's own validator (see cloud_secrets_setup.handlers).
"""

import import_declare_test  # noqa: F401  (puts the app's lib/ first on sys.path)
from cloud_secrets_setup.handlers import RULES_ENDPOINT, AccountRulesHandler
from splunktaucclib.rest_handler import admin_external, util

if __name__ == "__main__":
    util.remove_http_proxy_env_vars()  # splunkd is local: never reach it through a proxy
    admin_external.handle(RULES_ENDPOINT, handler=AccountRulesHandler)
