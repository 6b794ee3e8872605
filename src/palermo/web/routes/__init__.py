"""One module per domain, each with a ``pages`` router (HTML) and an ``api`` router (JSON)."""
