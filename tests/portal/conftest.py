"""Browser fixtures for the portal tests only (they start Chromium and a live server)."""

from tests.fixtures.browser import chromium, live_casestore  # noqa: F401
