"""Open311 GeoReport v2 under /open311/v2 (blueprint; built on casestore.cases).

Modules: ``services`` (discovery, service list and definitions), ``lookup``
(GET requests, one request, tokens, mySociety's servicerequestupdates),
``submit`` (POST requests), ``hooks`` (jurisdiction check, error format),
``render`` (XML/JSON), ``params`` (parameter rules), ``serialize`` (records).
"""

from flask import Blueprint

bp = Blueprint("open311", __name__)

# Imported for their routes and handlers, which register themselves on ``bp``.
from . import hooks, lookup, services, submit  # noqa: E402,F401
