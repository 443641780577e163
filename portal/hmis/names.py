"""Names folded for search: lower case, accents and punctuation dropped ("Núñez" -> "nunez").

Stored beside each identifying-data version when it is written, so a search compares plain
text to plain text, in the database, on every dialect.
"""

from __future__ import annotations

import unicodedata

# Letters NFKD does not split into a base letter and a mark.
_SPECIAL = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(text: str | None) -> str:
    """text in lower case, without accents, with runs of other characters as one space."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.split())


def name_search(first: str | None, middle: str | None, last: str | None) -> str:
    """The folded full name stored in IdentityVersion.name_search."""
    return fold(" ".join(part for part in (first, middle, last) if part))
