"""Words for request types, statuses and reasons, as clients and staff read them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.requests.models import Channel, RequestType, Status

TYPE_LABELS = {
    RequestType.PRINTED_COPY: _l("Printed copy of your record"),
    RequestType.CORRECTION: _l("Correction"),
    RequestType.SHARING_REFUSAL: _l("Stop sharing"),
    RequestType.SHARING_RESTORE: _l("Start sharing again"),
    RequestType.COMPLAINT: _l("Complaint"),
}

STATUS_LABELS = {
    Status.SUBMITTED: _l("Sent"),
    Status.RECEIVED: _l("Received"),
    Status.IN_FORCE: _l("In effect"),
    Status.IN_REVIEW: _l("Being reviewed"),
    Status.COMPLETED: _l("Done"),
    Status.APPROVED: _l("Approved"),
    Status.PARTLY_APPROVED: _l("Partly approved"),
    Status.DENIED: _l("Denied"),
    Status.ACKNOWLEDGED: _l("In effect, noted by staff"),
    Status.RESPONDED: _l("Answered"),
    Status.ESCALATED: _l("Sent to County Community Services"),
    Status.CLOSED: _l("Closed"),
    Status.WITHDRAWN: _l("Withdrawn"),
}

# Translators: where a request is, in the client's words (my page and the list of requests).
CLIENT_STATUS_WORDS = {
    Status.SUBMITTED: _l("Received"),
    Status.RECEIVED: _l("Received"),
    Status.IN_FORCE: _l("Received"),
    Status.IN_REVIEW: _l("Being reviewed"),
    Status.ESCALATED: _l("Being reviewed"),
    Status.COMPLETED: _l("Answered"),
    Status.APPROVED: _l("Answered"),
    Status.ACKNOWLEDGED: _l("Answered"),
    Status.RESPONDED: _l("Answered"),
    Status.CLOSED: _l("Answered"),
    Status.PARTLY_APPROVED: _l("Answered - partly"),
    Status.DENIED: _l("Declined"),
    Status.WITHDRAWN: _l("Withdrawn"),
}

# Translators: HUD's reasons to deny access to or correction of a record, in plain words.
DENIAL_REASON_LABELS = {
    "litigation": _l("It was gathered for a court case or a similar legal process."),
    "another_individual": _l("It is about another person."),
    "confidential_source": _l("Someone gave it on a promise that it would stay private."),
    "endangers_safety": _l("Showing it could put someone's life or safety in danger."),
    "accurate_complete": _l("We checked, and the record is correct and complete."),
    "repeated_harassing": _l("The same request was made many times, to cause trouble."),
}

CHANNEL_LABELS = {
    Channel.KIOSK: _l("Kiosk"),
    Channel.PHONE: _l("Your phone or computer"),
    Channel.IN_PERSON: _l("In person"),
    Channel.TELEPHONE: _l("By telephone"),
    Channel.PAPER: _l("Paper form"),
    Channel.MAIL: _l("Mail"),
    Channel.WEB: _l("Web form"),
}

# Translators: a step in the timeline of a client's request.
EVENT_LABELS = {
    "submitted": _l("Sent"),
    "withdrawn": _l("Withdrawn by you"),
    "claimed": _l("A staff member started working on it"),
    "released": _l("Put back in the queue"),
    "extended": _l("More time needed"),
    "approved": _l("Approved"),
    "partly_approved": _l("Partly approved"),
    "denied": _l("Denied"),
    "disagreement": _l("You added a statement of disagreement"),
    "message": _l("Message from staff"),
    "note": _l("Internal note"),
    "acknowledged": _l("Staff noted it and updated the HMIS"),
    "responded": _l("Answered"),
    "escalated": _l("Sent to County Community Services"),
    "escalated_late": _l("You asked the HMIS lead to step in because the answer is late"),
    "escalation_decided": _l("County Community Services decided"),
    "closed": _l("Closed"),
    "completed": _l("Done"),
    # Internal events (staff see them; the client's timeline leaves them out).
    "assigned": _l("Assigned to a colleague"),
    "printed": _l("Record printed for the client"),
    "released_account_disabled": _l("Put back in the queue: the staff account was disabled"),
}
# How a printed copy reached the client (Request.handover).
HANDOVER_LABELS = {"handed_over": _l("Handed over in person"), "mailed": _l("Mailed")}
