"""Open311 GeoReport v2 under /open311/v2 (blueprint; built on casestore.cases).

Modules: ``services`` (discovery, service list and definitions), ``lookup``
(GET requests, one request, tokens, mySociety's servicerequestupdates),
``submit`` (POST requests), ``context`` (shared settings, the jurisdiction
check and the error handlers), ``render`` (XML/JSON), ``params`` (parameter
rules) and ``serialize`` (records). docs/open311.md explains the choices.
"""

# Imported for their routes and handlers, which register themselves on ``blueprint.bp``.
from . import context, lookup, services, submit  # noqa: F401
from .blueprint import bp

__all__ = ["bp"]
