"""Put this app's libraries first on sys.path for the configuration page's REST handlers.

UCC's generated handlers import a module of this name for that purpose; this file
replaces UCC's own. Order: lib/ (splunktaucclib, solnlib and their dependencies),
bin/lib/ (splunklib, shared with the cloudsecrets command), then bin/ (our packages).
Other apps' bin/ folders are dropped from the path, so that another app's older
splunklib or solnlib can never be imported instead of ours.
"""

import os
import re
import sys

BIN = os.path.dirname(os.path.abspath(__file__))
APP = os.path.dirname(BIN)
_OTHER_APP_BIN = re.compile(r"[\\/]etc[\\/]apps[\\/][^\\/]+[\\/]bin[\\/]?$")

sys.path = [os.path.join(APP, "lib"), os.path.join(BIN, "lib"), BIN] + [
    path for path in sys.path
    if os.path.abspath(path) != BIN and not _OTHER_APP_BIN.search(path)]
