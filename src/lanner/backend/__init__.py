"""Lanner's SQL backend: every table, query and database driver detail lives here."""
