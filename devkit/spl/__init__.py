"""An SPL engine that runs the app's own searches without a Splunk server (never shipped).

    from devkit.spl import AppConf, Engine, SplError, SplUnsupported, resolve_time
    app = AppConf.load(app_dir)
    engine = Engine(app, app_dir=app_dir, lookups_dir=work / "lookups",
                    kvstore_dir=work / "kvstore", tz="UTC")
    rows = engine.run(spl, events, now=epoch, earliest=None, latest=None, name="ad hoc")

See docs/spl-engine.md for what it supports and refuses, and docs/decisions.md for what
it decides where the Search Reference is silent.
"""

from .aggregates import FUNCTIONS as STATS_FUNCTIONS
from .catalog import PARSERS
from .conf import AppConf
from .engine import Engine, Results
from .errors import SplError, SplUnsupported
from .evalexpr import FUNCTIONS as EVAL_FUNCTIONS
from .times import resolve_time
from .values import format_value

COMMANDS = sorted(PARSERS)

__all__ = ["COMMANDS", "EVAL_FUNCTIONS", "PARSERS", "STATS_FUNCTIONS", "AppConf", "Engine",
           "Results", "SplError", "SplUnsupported", "format_value", "resolve_time"]
