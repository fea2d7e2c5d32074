"""Public pages without a prefix: /cases/<case_number>, its "not fixed?" reopen page, /around.

The blueprint is ``blueprint.bp`` (guarded by the pages kernel, ``casestore.pages``);
importing ``views`` registers its routes on it.
"""

from . import around, media_views, views  # noqa: F401  (register the routes)
from .blueprint import bp

__all__ = ["bp"]
