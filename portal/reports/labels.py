"""Words of the reports that the request labels do not already have."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Translators: where a complaint stands, in the HMIS lead's report.
COMPLAINT_OUTCOME_LABELS = {
    "not_answered": _l("Not answered yet"),
    "answered": _l("Answered, not closed"),
    "closed": _l("Closed"),
    "awaiting_county": _l("Waiting for County Community Services"),
    "county_decided": _l("County Community Services decided"),
    "withdrawn": _l("Withdrawn"),
}
NOT_RECORDED = _l("Not recorded")
