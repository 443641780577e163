"""A hand-counted set of requests for the reports' tests: every expected figure below was worked
out on paper from these rows, not by running the code.

The county is in Chicago (UTC-6 in winter, UTC-5 from 9 March 2025). The report runs from
1 January to 31 March 2025; the dates in the table are Chicago's. Times in the code are UTC, as
the database keeps them; most are 18:00 (noon in Chicago), and five sit on an edge on purpose:
- p2 at 2025-02-01 03:00 UTC is 31 January in Chicago: a January request;
- c6 at 2025-04-01 03:00 UTC is 31 March in Chicago: inside the dates;
- x1 at 2025-04-01 06:00 UTC is 1 April in Chicago: outside;
- x2 at 2025-01-01 05:00 UTC is 31 December in Chicago: outside;
- r0 (a refusal of December 2024): outside, but still overdue now.

| id | type       | ag. | sent        | status          | decided | days | notes                  |
|----|------------|-----|-------------|-----------------|---------|------|------------------------|
| c1 | correction | A   | 10 Jan      | approved        | 12 Jan  | 2    | extended               |
| c2 | correction | A   | 20 Jan      | partly approved | 24 Jan  | 4    |                        |
| c3 | correction | A   | 5 Feb       | denied          | 11 Feb  | 6    | accurate_complete      |
| c4 | correction | A   | 15 Feb      | denied          | 23 Feb  | 8    | litigation             |
| c5 | correction | A   | 3 Mar       | submitted       |         |      | overdue now            |
| c6 | correction | A   | 31 Mar      | withdrawn       | 1 Apr   |      |                        |
| b1 | correction | B   | 2 Feb       | approved        | 3 Feb   | 1    |                        |
| p1 | printed    | A   | 5 Jan       | completed       | 6 Jan   | 1    |                        |
| p2 | printed    | A   | 31 Jan      | completed       | 3 Feb   | 3    |                        |
| p3 | printed    | A   | 1 Mar       | denied          | 11 Mar  | 10   | another_individual     |
| p4 | printed    | A   | 20 Mar      | in review       |         |      | extended, not overdue  |
| b2 | printed    | B   | 15 Jan      | submitted       |         |      | overdue now            |
| r1 | refusal    | -   | 10 Feb      | acknowledged    | 12 Feb  | 2    | covers PARENT, CHILD   |
| s1 | restore    | -   | 5 Mar       | acknowledged    | 6 Mar   | 1    | covers CHILD           |
| k1 | complaint  | -   | 8 Jan       | responded       | 18 Jan  | 10   | privacy                |
| k2 | complaint  | -   | 25 Jan      | closed          | 30 Jan  | 5    | access                 |
| k3 | complaint  | -   | 20 Feb      | escalated       | 22 Feb  | 2    | privacy, to the county |
| k4 | complaint  | -   | 2 Mar       | closed          | 30 Mar  | 28   | staff_conduct, county  |
| k5 | complaint  | -   | 25 Mar      | received        |         |      | other, overdue now     |
| r0 | refusal    | -   | 20 Dec 2024 | in force        |         |      | ADULT_CHILD; overdue   |
| x1 | correction | A   | 1 Apr       | approved        | 2 Apr   |      | outside the dates      |
| x2 | printed    | A   | 31 Dec 2024 | completed       | 2 Jan   |      | outside the dates      |
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.requests.models import Channel, Request, RequestType, Status
from portal.requests.services import CLIENT_AUTHOR, DEFAULT_DUE, open_request
from portal.sharing.models import SharingChange
from portal.timeutil import utcnow
from tests.factories import ADULT_CHILD, AGENCY_A, AGENCY_B, CHILD, PARENT, hmis_world

FROM, TO = "2025-01-01", "2025-03-31"
DATES = {"date_from": FROM, "date_to": TO}
T = RequestType


def at(month: int, day: int, hour: int = 18, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour)


def make(
    session: Session,
    kind: RequestType,
    sent: dt.datetime,
    *,
    agency: str | None = AGENCY_A,
    status: Status | None = None,
    decided: dt.datetime | None = None,
    due: dt.datetime | None = None,
    **fields: object,
) -> Request:
    """A request as if sent at `sent`, then moved to `status` (the fields set directly)."""
    request = open_request(
        session, kind, personal_id=PARENT, channel=Channel.PHONE, author=CLIENT_AUTHOR
    )
    request.agency_id = agency
    request.submitted_at = sent
    request.due_at = due or sent + DEFAULT_DUE[kind]
    request.status = status or request.status
    request.decided_at = decided
    for name, value in fields.items():
        setattr(request, name, value)
    session.flush()
    return request


def covers(session: Session, request: Request, *people: str) -> None:
    for person in people:
        session.add(
            SharingChange(
                personal_id=person,
                request_id=request.id,
                refused=request.type is T.SHARING_REFUSAL,
                effective_at=request.submitted_at,
            )
        )


def build_world(session: Session) -> None:
    """Agencies A and B (tests.factories.hmis_world) and the requests of the table above."""
    hmis_world(session)
    s = session
    make(s, T.CORRECTION, at(1, 10), status=Status.APPROVED, decided=at(1, 12),
         extension_reason="Waiting for a document")  # fmt: skip
    make(s, T.CORRECTION, at(1, 20), status=Status.PARTLY_APPROVED, decided=at(1, 24))
    make(s, T.CORRECTION, at(2, 5), status=Status.DENIED, decided=at(2, 11),
         denial_reason="accurate_complete")  # fmt: skip
    make(s, T.CORRECTION, at(2, 15), status=Status.DENIED, decided=at(2, 23),
         denial_reason="litigation")  # fmt: skip
    make(s, T.CORRECTION, at(3, 3))  # c5: open, due 2 May 2025: overdue now
    make(s, T.CORRECTION, at(4, 1, 3), status=Status.WITHDRAWN, decided=at(4, 1, 20))
    make(s, T.CORRECTION, at(2, 2), agency=AGENCY_B, status=Status.APPROVED, decided=at(2, 3))

    make(s, T.PRINTED_COPY, at(1, 5), status=Status.COMPLETED, decided=at(1, 6))
    make(s, T.PRINTED_COPY, at(2, 1, 3), status=Status.COMPLETED, decided=at(2, 4, 3))
    make(s, T.PRINTED_COPY, at(3, 1), status=Status.DENIED, decided=at(3, 11),
         denial_reason="another_individual")  # fmt: skip
    make(s, T.PRINTED_COPY, at(3, 20), status=Status.IN_REVIEW,
         due=utcnow() + dt.timedelta(days=10), extension_reason="Archive copy")  # fmt: skip
    make(s, T.PRINTED_COPY, at(1, 15), agency=AGENCY_B)  # b2: overdue now

    refusal = make(s, T.SHARING_REFUSAL, at(2, 10), agency=None,
                   status=Status.ACKNOWLEDGED, decided=at(2, 12))  # fmt: skip
    covers(s, refusal, PARENT, CHILD)
    restore = make(s, T.SHARING_RESTORE, at(3, 5), agency=None,
                   status=Status.ACKNOWLEDGED, decided=at(3, 6))  # fmt: skip
    covers(s, restore, CHILD)
    old_refusal = make(s, T.SHARING_REFUSAL, at(12, 20, year=2024), agency=None)
    covers(s, old_refusal, ADULT_CHILD)

    make(s, T.COMPLAINT, at(1, 8), agency=None, status=Status.RESPONDED, decided=at(1, 18),
         category="privacy")  # fmt: skip
    make(s, T.COMPLAINT, at(1, 25), agency=None, status=Status.CLOSED, decided=at(1, 30),
         category="access")  # fmt: skip
    make(s, T.COMPLAINT, at(2, 20), agency=None, status=Status.ESCALATED, decided=at(2, 22),
         category="privacy", escalated_at=at(3, 1))  # fmt: skip
    make(s, T.COMPLAINT, at(3, 2), agency=None, status=Status.CLOSED, decided=at(3, 30),
         category="staff_conduct", escalated_at=at(3, 10), escalation_outcome="Upheld")  # fmt: skip
    make(s, T.COMPLAINT, at(3, 25), agency=None, category="other")  # k5: overdue now

    make(s, T.CORRECTION, at(4, 1, 6), status=Status.APPROVED, decided=at(4, 2))
    make(s, T.PRINTED_COPY, at(1, 1, 5), status=Status.COMPLETED, decided=at(1, 2))
    s.commit()


# What the lead sees over every agency, per type: received, completed, withdrawn, not decided
# yet, extended, overdue now, median and 90th percentile of days to decision.
LEAD_BY_TYPE = {
    # days [1, 2, 4, 6, 8]: median 4; p90 at rank 3.6: 6 + 0.6 * 2 = 7.2
    T.CORRECTION: (7, 5, 1, 1, 1, 1, 4.0, 7.2),
    # days [1, 3, 10] (odd): median 3; p90 at rank 1.8: 3 + 0.8 * 7 = 8.6
    T.PRINTED_COPY: (5, 3, 0, 2, 1, 1, 3.0, 8.6),
    T.SHARING_REFUSAL: (1, 1, 0, 0, 0, 1, 2.0, 2.0),  # r0 is overdue now, though outside
    T.SHARING_RESTORE: (1, 1, 0, 0, 0, 0, 1.0, 1.0),
    # days [2, 5, 10, 28] (even): median (5 + 10) / 2 = 7.5; p90 at rank 2.7: 10 + 0.7 * 18 = 22.6
    T.COMPLAINT: (5, 4, 0, 1, 0, 1, 7.5, 22.6),
}
# All 14 decisions: [1, 1, 1, 2, 2, 2, 3, 4, 5, 6, 8, 10, 10, 28]: median (3 + 4) / 2 = 3.5;
# p90 at rank 11.7, between 10 and 10: 10.
LEAD_TOTALS = (19, 14, 1, 4, 2, 4, 3.5, 10.0)
# Agency A alone: c1-c6 and p1-p4.
# Corrections: days [2, 4, 6, 8] (even): median 5; p90 at rank 2.7: 6 + 0.7 * 2 = 7.4.
AGENCY_A_BY_TYPE = {
    T.CORRECTION: (6, 4, 1, 1, 1, 1, 5.0, 7.4),
    T.PRINTED_COPY: (4, 3, 0, 1, 1, 0, 3.0, 8.6),
    T.SHARING_REFUSAL: (0, 0, 0, 0, 0, 0, None, None),
    T.SHARING_RESTORE: (0, 0, 0, 0, 0, 0, None, None),
}
# Received and completed, all types, per month (Chicago months).
LEAD_MONTHS = {"2025-01": (7, 6), "2025-02": (5, 5), "2025-03": (7, 3)}
LEAD_MONTHS_BY_TYPE = {  # (month, type): (received, completed)
    ("2025-01", T.CORRECTION): (2, 2),
    ("2025-01", T.PRINTED_COPY): (3, 2),
    ("2025-01", T.COMPLAINT): (2, 2),
    ("2025-02", T.CORRECTION): (3, 3),
    ("2025-02", T.SHARING_REFUSAL): (1, 1),
    ("2025-02", T.COMPLAINT): (1, 1),
    ("2025-03", T.CORRECTION): (2, 0),
    ("2025-03", T.PRINTED_COPY): (2, 1),
    ("2025-03", T.SHARING_RESTORE): (1, 1),
    ("2025-03", T.COMPLAINT): (2, 1),
}
AGENCY_A_MONTHS = {"2025-01": (4, 4), "2025-02": (2, 2), "2025-03": (4, 1)}
LEAD_CORRECTIONS = {Status.APPROVED: 2, Status.PARTLY_APPROVED: 1, Status.DENIED: 2}
LEAD_DENIALS = {  # (reason, type): count; every other pair is 0
    ("accurate_complete", T.CORRECTION): 1,
    ("litigation", T.CORRECTION): 1,
    ("another_individual", T.PRINTED_COPY): 1,
}
COMPLAINT_CATEGORIES = {"privacy": 2, "access": 1, "correction": 0, "staff_conduct": 1, "other": 1}
COMPLAINT_OUTCOMES = {
    "not_answered": 1,
    "answered": 1,
    "closed": 1,
    "awaiting_county": 1,
    "county_decided": 1,
    "withdrawn": 0,
}
ESCALATIONS = (2, 1, 1)  # escalated, county decided, waiting for the county
# People covered by refusal / restore forms sent in the dates; refusing now; restored now.
LEAD_SHARING = (2, 1, 2, 1)  # now: PARENT and ADULT_CHILD refuse; CHILD restored
AGENCY_A_SHARING = (0, 0, 2, 1)  # the forms went to the lead; all three are A's clients
AGENCY_B_SHARING = (0, 0, 1, 0)  # only PARENT has an enrollment at B
