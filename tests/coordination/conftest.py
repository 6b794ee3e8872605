"""The browser fixtures of the web tests, for the coordination maps drawn in chromium."""

from tests.web.conftest import browser, page  # noqa: F401  (fixtures)
