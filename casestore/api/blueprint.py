"""The ``api`` blueprint object, apart from its routes so they import it without a loop."""

from flask import Blueprint

bp = Blueprint("api", __name__)
