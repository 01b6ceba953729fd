"""Small SQL helpers shared by the repositories."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """Escape a text for a LIKE pattern that uses backslash as its escape character."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
