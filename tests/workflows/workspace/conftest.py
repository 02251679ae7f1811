"""The dispatch tests' people and driver: the workspace lists real dispatch tasks."""

from tests.workflows.dispatch.conftest import drafting_units, driver, keys, people  # noqa: F401
