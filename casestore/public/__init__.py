"""Public pages such as /cases/<case_number> (blueprint, no URL prefix)."""

from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="../templates")
