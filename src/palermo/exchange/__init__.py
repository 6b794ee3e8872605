"""Agreements and exchange: every follow-up has a legal basis, a lawful route, an answer and an audit trail."""
