"""The audit trail's actions and roles in words, for the audit browser (its CSV keeps the codes).

An action without words here (a feature added later) is shown by its code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "access_code.issued": _l("Access code given to a client"),
    "access_code.revoked": _l("Access code revoked"),
    "audit.exported": _l("Audit trail downloaded"),
    "audit.verified": _l("Audit trail checked"),
    "audit.viewed": _l("Audit trail viewed"),
    "client.access_log_viewed": _l("Client viewed who saw their record"),
    "client.hand_off_created": _l("Kiosk hand-off to a phone made"),
    "client.hand_off_failed": _l("Kiosk hand-off to a phone failed"),
    "client.hand_off_used": _l("Kiosk hand-off to a phone used"),
    "client.identity_viewed": _l("Client identity viewed"),
    "client.page_viewed": _l("Client viewed their page"),
    "client.record_downloaded": _l("Client downloaded their record"),
    "client.record_opened": _l("Staff opened a client's record"),
    "client.record_viewed": _l("Client viewed their record"),
    "client.request_viewed": _l("Client viewed a request"),
    "client.requests_viewed": _l("Client viewed their requests"),
    "client.searched": _l("Staff searched for a client"),
    "client.sign_in_failed": _l("Client sign-in failed"),
    "client.sign_in_limited": _l("Client sign-in paused after failures"),
    "client.signed_in": _l("Client signed in"),
    "client.signed_out": _l("Client signed out"),
    "client.ssn_revealed": _l("Client showed their full SSN"),
    "client.ssn_revealed_by_staff": _l("Staff showed a client's full SSN"),
    "hmis.changes_exported": _l("Changes exported for the HMIS"),
    "hmis.changes_previewed": _l("Changes for the HMIS previewed (dry run)"),
    "hmis.exchange_viewed": _l("Exchange page viewed"),
    "hmis.import_refused": _l("HMIS import refused"),
    "hmis.imported": _l("HMIS data imported"),
    "keys.ssn_rotated": _l("Encryption key rotated"),
    "kiosk.registered": _l("Kiosk set up"),
    "notice.acknowledged": _l("Client acknowledged the notice"),
    "notice.draft_deleted": _l("Draft version deleted"),
    "notice.draft_saved": _l("Draft version saved"),
    "notice.published": _l("Version published"),
    "partners.updated": _l("Partner agency list updated"),
    "policy.accepted": _l("End User Policy accepted"),
    "queue.exported": _l("Request queue downloaded"),
    "queue.viewed": _l("Request queue viewed"),
    "reports.exported": _l("Report downloaded"),
    "reports.viewed": _l("Reports viewed"),
    "request.acknowledged": _l("Request acknowledged"),
    "request.assigned": _l("Request assigned to a colleague"),
    "request.claimed": _l("Request claimed"),
    "request.closed": _l("Request closed"),
    "request.decided": _l("Request decided"),
    "request.escalated": _l("Complaint escalated"),
    "request.escalation_recorded": _l("County decision recorded"),
    "request.extended": _l("Request given more time"),
    "request.message_sent": _l("Message sent to the client"),
    "request.note_added": _l("Internal note added"),
    "request.record_printed": _l("Record printed for a request"),
    "request.released": _l("Request put back in the queue"),
    "request.responded": _l("Complaint answered"),
    "request.statement_added": _l("Statement of disagreement added"),
    "request.submitted": _l("Request sent"),
    "request.withdrawn": _l("Request withdrawn"),
    "sharing.receipt_downloaded": _l("Sharing form receipt downloaded"),
    "sharing.refused": _l("Client refused sharing"),
    "sharing.restored": _l("Client restored sharing"),
    "staff.request_viewed": _l("Staff viewed a request"),
    "staff.sign_in_failed": _l("Staff sign-in failed"),
    "staff.signed_in": _l("Staff signed in"),
    "staff.signed_out": _l("Staff signed out"),
    "staff.two_step_enrolled": _l("Two-step sign-in turned on"),
    "staff.two_step_failed": _l("Two-step code wrong"),
    "staff_user.created": _l("Staff account created"),
    "staff_user.disabled": _l("Staff account disabled"),
    "staff_user.enabled": _l("Staff account enabled"),
    "staff_user.reset": _l("Staff account reset"),
    "staff_user.updated": _l("Staff account changed"),
}
ACTOR_LABELS = {
    "client": _l("Client"),
    "system": _l("The portal"),
    "anonymous": _l("Someone not signed in"),
}
ROLE_LABELS = {
    "agency_staff": _l("Agency staff"),
    "agency_admin": _l("Agency data administrator"),
    "hmis_lead": _l("HMIS lead"),
    "system_admin": _l("System administrator"),
}
DEVICE_LABELS = {
    "kiosk": _l("Kiosk"),
    "personal": _l("Own device"),
    "cli": _l("Command line"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
