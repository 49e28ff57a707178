"""Accounts, roles, bearer tokens, sessions and CSRF."""
