"""Resident pages under /account: sign-up, sign-in, password reset and the Case Status tab.

The blueprint is ``blueprint.bp`` (guarded by the pages kernel, ``casestore.pages``);
importing ``views`` registers its routes on it.
"""

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp

__all__ = ["bp"]
