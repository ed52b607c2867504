"""Stand-in for splunkd's `splunk.admin`: the side of the admin framework that calls an
admin_external REST handler (restmap.conf `handlertype = python`).

Splunk's module is private, so this follows what handlers see of it, as splunktaucclib's
AdminExternalHandler uses it: the handler class is given to `init()`, which builds it,
calls `setup()` (where the handler declares its required and optional arguments), refuses
a request that lacks a required argument or carries an undeclared one, and calls
`handleList`, `handleCreate`, `handleEdit` or `handleRemove` with a `confInfo` that the
handler fills with one item per entity. `callerArgs.id` is the entity name from the URL,
`callerArgs.data` maps each argument to a list of values, `getSessionKey()` is the
caller's session key.

The request comes from the environment variable SPLUNKD_ADMIN_REQUEST (JSON: action, id,
data, session_key); the answer is printed as JSON: {"entries": {name: {key: value}}} or
{"error": message} (an exception in the handler, as splunkd reports it to the caller).
"""

import json
import os
import sys

ACTION_CREATE = 1
ACTION_LIST = 16
ACTION_EDIT = 2
ACTION_REMOVE = 4
CONTEXT_APP_ONLY = 1
CONTEXT_NONE = 0
_ACTIONS = {"create": ACTION_CREATE, "list": ACTION_LIST, "edit": ACTION_EDIT,
            "remove": ACTION_REMOVE}
_METHODS = {ACTION_CREATE: "handleCreate", ACTION_LIST: "handleList", ACTION_EDIT: "handleEdit",
            ACTION_REMOVE: "handleRemove"}


class ArgValidationException(Exception):
    pass


class _Args:
    def __init__(self):
        self.required = []
        self.optional = []

    def addReqArg(self, name):
        self.required.append(name)

    def addOptArg(self, name):
        self.optional.append(name)


class _CallerArgs:
    def __init__(self, name, data):
        self.id = name
        self.data = data


class ConfItem(dict):
    def __init__(self):
        super().__init__()
        self.metadata = {}

    def setMetadata(self, key, value):
        self.metadata[key] = value


class ConfInfo(dict):
    def __getitem__(self, name):
        if name not in self:
            super().__setitem__(name, ConfItem())
        return super().__getitem__(name)


class MConfigHandler:
    def __init__(self, scriptMode=None, ctxInfo=None, request=None):
        request = json.loads(os.environ["SPLUNKD_ADMIN_REQUEST"])
        self.requestedAction = _ACTIONS[request["action"]]
        self.callerArgs = _CallerArgs(request.get("id"),
                                      {k: [v] for k, v in request.get("data", {}).items()})
        self.supportedArgs = _Args()
        self._session_key = request["session_key"]
        self.appName = request.get("app")
        self.userName = "admin"

    def getSessionKey(self):
        return self._session_key

    def setup(self):
        pass


def init(handler_class, ctxInfo=CONTEXT_NONE):
    try:
        handler = handler_class()
        handler.setup()
        declared = set(handler.supportedArgs.required) | set(handler.supportedArgs.optional)
        for name in handler.supportedArgs.required:
            if name not in handler.callerArgs.data:
                raise ArgValidationException(f'Argument "{name}" is required.')
        for name in handler.callerArgs.data:
            if name not in declared and not name.startswith("--"):
                raise ArgValidationException(f'Argument "{name}" is not supported by this handler.')
        conf_info = ConfInfo()
        getattr(handler, _METHODS[handler.requestedAction])(conf_info)
        answer = {"entries": {name: dict(item) for name, item in conf_info.items()}}
    except Exception as error:  # splunkd answers the caller with the exception's text
        answer = {"error": str(error), "type": type(error).__name__}
    sys.stdout.write(json.dumps(answer))
