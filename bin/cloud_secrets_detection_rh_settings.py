"""REST handler of the configuration page's Data sources and Thresholds tabs.

UCC generates a handler of this name from globalConfig.json; this file replaces it so
that the tabs read and write the app's macros (see cloud_secrets_setup.handlers).
"""

import import_declare_test  # noqa: F401  (puts the app's lib/ first on sys.path)
from cloud_secrets_setup.handlers import SETTINGS_ENDPOINT, MacroSettingsHandler
from splunktaucclib.rest_handler import admin_external, util

if __name__ == "__main__":
    util.remove_http_proxy_env_vars()  # splunkd is local: never reach it through a proxy
    admin_external.handle(SETTINGS_ENDPOINT, handler=MacroSettingsHandler)
