"""HUD's coded values as staff read them: the label with its code ("Yes (1)")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.hmis import items
from portal.hmis.code_labels import translated


def _coded(label: str, code: str) -> str:
    # Translators: a HUD choice with its code, e.g. "Yes (1)".
    return str(_l("%(label)s (%(code)s)", label=label, code=code))


def coded_choices(standards: str) -> dict[str, list[tuple[str, str]]]:
    """HUD's choices for each coded item staff may correct, grouped by item."""
    return {
        str(item.label_for_staff()): [
            (f"{item.key}={code}", _coded(translated(label), code))
            for code, label in item.allowed_codes(standards).items()
        ]
        for item in items.STAFF_CORRECTABLE
        if item.kind is items.Kind.CODED and item.allowed_codes(standards)
    }


def coded_value_label(item_key: str | None, value: str | None, standards: str) -> str | None:
    """A stored HUD code shown with its label ("Yes (1)"); None for an uncoded item."""
    entry = items.entry_for(item_key or "")
    if entry is None or entry.kind is not items.Kind.CODED or not value:
        return None
    labels = entry.allowed_codes(standards)
    return ", ".join(
        _coded(translated(labels[code]), code) if code in labels else code
        for code in value.split(",")
    )
