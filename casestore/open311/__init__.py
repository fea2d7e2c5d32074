"""Open311 GeoReport v2 under /open311/v2 (blueprint; built on casestore.cases)."""

from flask import Blueprint

bp = Blueprint("open311", __name__)
