"""The ``open311`` blueprint object, apart from its views so they import it without a loop."""

from flask import Blueprint

bp = Blueprint("open311", __name__)
