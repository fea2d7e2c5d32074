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


def pytest_ignore_collect(collection_path, config):  # noqa: ANN001, ANN201
    """Collect each test in the one environment it belongs to (tests/environments.py)."""
    import importlib.util

    from tests.environments import is_assistant_test, leads_to_assistant_tests

    assistant = is_assistant_test(collection_path)
    if importlib.util.find_spec("rasa_sdk") is not None:  # the assistant's environment
        return not (assistant or leads_to_assistant_tests(collection_path))
    return assistant or None
