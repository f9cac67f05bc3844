"""The name a mother shows her clinician: what Telegram or she gave, cleaned to what it shows."""

from __future__ import annotations

import unicodedata

# Control and format characters (a right-to-left override, zero-width spaces and joiners, ...),
# unassigned and private-use code points, and line or paragraph separators: they can make a
# name look like another, or reorder the line it is shown in.
HIDDEN = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})


def clean_name(text: str) -> str:
    """Visible characters only, runs of white space made one space, no space at either end."""
    kept = (" " if ch.isspace() else ch for ch in text)
    visible = "".join(ch for ch in kept if unicodedata.category(ch) not in HIDDEN)
    return " ".join(visible.split())


def name_key(name: str) -> str:
    """What two names that look alike have in common ("Ana R." and "ana  r.")."""
    return unicodedata.normalize("NFKC", clean_name(name)).casefold()
