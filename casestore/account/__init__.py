"""Resident account pages under /account (blueprint)."""

from flask import Blueprint

bp = Blueprint("account", __name__, template_folder="../templates")
