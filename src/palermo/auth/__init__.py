"""Organisations, users, roles, API tokens and the hash-chained audit trail."""
