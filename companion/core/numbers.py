"""Numbers she types or a button carries: ASCII digits only."""

from __future__ import annotations


def ascii_number(text: str) -> int | None:
    """The number written with the digits 0-9 alone, else None. str.isdigit() also accepts
    superscripts and other scripts' digits ("²", "٣"), some of which int() then refuses."""
    return int(text) if text.isascii() and text.isdigit() else None
