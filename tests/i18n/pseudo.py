"""Pseudo-locales for tests, built from translations/messages.pot at test time.

Every message becomes its English text with the letters accented, about 35 % longer, and wrapped
in ⟦ ⟧: "Sign in" -> "⟦Šííğññ ííñ⟧". A page in a pseudo-locale then shows
at a glance (and to a test) which words did not come through the catalog, and whether the layout
survives longer words, as Polish and Spanish need. Placeholders (%(name)s, %d, {name}), HTML
tags and entities are kept as written, so the page works as it does in English.

The codes are ones Babel knows (CLDR 47 has no en-XA/ar-XB): English (world) for the
left-to-right pseudo-locale and Arabic (world) for the right-to-left one, whose dates and
direction then come from real Arabic locale data.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal import PROJECT_ROOT

PSEUDO_LTR = "en_001"
PSEUDO_RTL = "ar_001"
START, END = "⟦", "⟧"
# Words grow by 45 %: spaces, digits and placeholders do not, so whole messages grow by about
# 35 % (tests/i18n/test_pseudo.py measures it over the catalog).
WORD_GROWTH = 0.45

_ACCENTED = str.maketrans(
    "aceginorsuyzACEGINORSUYZ",
    "áçéğíñóřšúýžÁÇÉĞÍÑÓŘŠÚÝŽ",
)
# Kept as written: printf and str.format placeholders, HTML tags and entities.
_KEEP = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdifrx%]"
    r"|\{[^{}\s]*\}"
    r"|<[^<>]+>"
    r"|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);"
)
_WORD = re.compile(r"[^\W\d_]+")


def _stretch(word: str) -> str:
    """The word with its letters accented and 45 % more of them (vowels doubled first)."""
    extra = round(len(word) * WORD_GROWTH)
    letters = []
    for letter in word:
        letters.append(letter)
        if extra and letter.lower() in "aeiouy":
            letters.append(letter.lower())
            extra -= 1
    letters.extend(word[-1].lower() * extra)
    return "".join(letters).translate(_ACCENTED)


def pseudo(text: str) -> str:
    """One message in the pseudo-locale."""
    pieces = []
    position = 0
    for kept in _KEEP.finditer(text):
        pieces.append(_WORD.sub(lambda m: _stretch(m.group()), text[position : kept.start()]))
        pieces.append(kept.group())
        position = kept.end()
    pieces.append(_WORD.sub(lambda m: _stretch(m.group()), text[position:]))
    return f"{START}{''.join(pieces)}{END}"


def pseudo_catalog(code: str, template: Catalog) -> Catalog:
    """Every message of the template, in pseudo text; plural entries get every form of `code`."""
    catalog = Catalog(locale=code, domain="messages", fuzzy=False)
    for message in template:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            forms = (pseudo(singular), *[pseudo(plural)] * (catalog.num_plurals - 1))
            catalog.add(message.id, forms, context=message.context)
        else:
            catalog.add(message.id, pseudo(message.id), context=message.context)
    return catalog


def build(directory: Path, codes: tuple[str, ...] = (PSEUDO_LTR, PSEUDO_RTL)) -> Path:
    """Compile a pseudo catalog for each code into directory/<code>/LC_MESSAGES/messages.mo."""
    with (PROJECT_ROOT / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    for code in codes:
        target = directory / code / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with (target / "messages.mo").open("wb") as handle:
            write_mo(handle, pseudo_catalog(code, template))
    return directory
