"""The resident's web form under /report: choose a service, answer its questions, give the
place, photos and contact, see nearby open cases of the same service, and file the case.

The blueprint is ``blueprint.bp`` (guarded by the pages kernel, ``casestore.pages``);
importing ``views`` registers its routes on it.
"""

from . import views  # noqa: F401  (registers the routes)
from .blueprint import bp

__all__ = ["bp"]
