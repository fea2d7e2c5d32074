"""The ``public`` blueprint object, apart from its views so they import it without a loop."""

from flask import Blueprint

from casestore.pages import guard_pages

bp = Blueprint("public", __name__, template_folder="../templates")
guard_pages(bp)
