"""Public pages without a prefix: /cases/<case_number> and its "not fixed?" reopen page.

The blueprint is ``blueprint.bp`` (guarded by the pages kernel, ``casestore.pages``);
importing ``views`` registers its routes on it.
"""

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp

__all__ = ["bp"]
