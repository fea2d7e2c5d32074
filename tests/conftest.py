"""Suite-wide fixtures. Each area's own fixtures live in tests/fixtures/ as plugins."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.casestore",
    "tests.fixtures.open311",
    "tests.fixtures.channels",
    "tests.fixtures.portal",
    "tests.fixtures.stack",
    "tests.fixtures.smtp",  # after stack: it imports free_port from there
]
