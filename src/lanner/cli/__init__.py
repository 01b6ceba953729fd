"""The `lanner` command line."""
