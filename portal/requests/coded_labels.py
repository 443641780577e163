"""HUD's coded values as staff read them: the label with its code ("Yes (1)")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.hmis import items
from portal.hmis.code_labels import translated
from portal.requests.correction_forms import offered_codes


def _coded(label: str, code: str) -> str:
    # Translators: a HUD choice with its code, e.g. "Yes (1)".
    return str(_l("%(label)s (%(code)s)", label=label, code=code))


def coded_choices(standards: str) -> dict[str, list[tuple[str, str]]]:
    """HUD's choices for each coded item staff may correct, grouped by item (the same choices
    as the client's form offers)."""
    return {
        str(item.label_for_staff()): [
            (f"{item.key}={code}", _coded(translated(label), code))
            for code, label in offered_codes(item, standards).items()
        ]
        for item in items.STAFF_CORRECTABLE
        if item.kind is items.Kind.CODED and offered_codes(item, standards)
    }


def english_labels(item_key: str, codes: list[str], standards: str) -> str:
    """HUD codes of an item in HUD's English words, as the client's form stores the value."""
    entry = items.entry_for(item_key)
    labels = entry.allowed_codes(standards) if entry else {}
    return ", ".join(labels.get(code, code) for code in codes)


def coded_value_label(item_key: str | None, value: str | None, standards: str) -> str | None:
    """Stored HUD codes (";" or "," between several) shown with their labels ("Yes (1)");
    None for an uncoded item."""
    entry = items.entry_for(item_key or "")
    if entry is None or entry.kind is not items.Kind.CODED or not value:
        return None
    labels = entry.allowed_codes(standards)
    return ", ".join(
        _coded(translated(labels[code]), code) if code in labels else code
        for code in value.replace(";", ",").split(",")
    )
