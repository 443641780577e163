"""The report as CSV: the same figures as the page, one per row, in the page's order.

One shape for every row (section, figure, request type, month, detail, value), so a spreadsheet
can filter and pivot it. Text cells are neutralised against formula injection (an agency name
from the HMIS export could start with "="); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _

from portal.reports.labels import COMPLAINT_OUTCOME_LABELS, NOT_RECORDED
from portal.reports.numbers import Report, TypeFigures
from portal.requests.forms import CATEGORY_LABELS
from portal.requests.labels import DENIAL_REASON_LABELS, STATUS_LABELS, TYPE_LABELS
from portal.requests.models import RequestType

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float


def neutralise(cell: Cell) -> Cell:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def days_text(value: float | None) -> str:
    """Days to one decimal place ('' when nothing was decided), as the page shows them."""
    return "" if value is None else f"{value:.1f}"


def _type_rows(section: str, kind: str, figures: TypeFigures) -> Iterator[list[Cell]]:
    yield [section, _("Received"), kind, "", "", figures.received]
    yield [section, _("Completed"), kind, "", "", figures.completed]
    yield [section, _("Withdrawn"), kind, "", "", figures.withdrawn]
    yield [section, _("Not decided yet"), kind, "", "", figures.undecided]
    yield [section, _("Extended"), kind, "", "", figures.extended]
    yield [section, _("Overdue now"), kind, "", "", figures.overdue_now]
    yield [section, _("Median days to decision"), kind, "", "", days_text(figures.median_days)]
    yield [
        section,
        _("90th percentile days to decision"),
        kind,
        "",
        "",
        days_text(figures.p90_days),
    ]


def report_rows(report: Report, agency_name: str) -> Iterator[list[Cell]]:
    """Every figure of the report, headed by the filters it was made with."""
    yield [_("Section"), _("Figure"), _("Request type"), _("Month"), _("Detail"), _("Value")]
    section = _("Filters")
    yield [section, _("Sent from"), "", "", "", report.scope.date_from.isoformat()]
    yield [section, _("Sent to"), "", "", "", report.scope.date_to.isoformat()]
    yield [section, _("Agency"), "", "", "", agency_name]

    section = _("Requests by month")
    all_types = _("All types")
    for month in report.months:
        when = month.month.strftime("%Y-%m")
        yield [section, _("Received"), all_types, when, "", month.total_received]
        yield [section, _("Completed"), all_types, when, "", month.total_completed]
        for kind in report.types:
            label = str(TYPE_LABELS[kind])
            yield [section, _("Received"), label, when, "", month.received[kind]]
            yield [section, _("Completed"), label, when, "", month.completed[kind]]

    section = _("Requests by type")
    for kind in report.types:
        yield from _type_rows(section, str(TYPE_LABELS[kind]), report.by_type[kind])
    yield from _type_rows(section, all_types, report.totals)

    section = _("Correction decisions")
    correction = str(TYPE_LABELS[RequestType.CORRECTION])
    for outcome, count in report.corrections.items():
        yield [section, str(STATUS_LABELS[outcome]), correction, "", "", count]

    section = _("Denials by HUD reason")
    for reason, by_kind in report.denials.items():
        detail = str(DENIAL_REASON_LABELS[reason] if reason else NOT_RECORDED)
        for denied_kind, count in by_kind.items():
            yield [section, _("Denied"), str(TYPE_LABELS[denied_kind]), "", detail, count]

    section = _("Sharing")
    sharing = report.sharing
    yield [section, _("People covered by refusal forms"), "", "", "", sharing.people_in_refusals]
    yield [section, _("People covered by restore forms"), "", "", "", sharing.people_in_restores]
    yield [section, _("People refusing sharing now"), "", "", "", sharing.refusing_now]
    yield [section, _("People sharing again after a restore"), "", "", "", sharing.restored_now]

    if report.complaints is not None:
        section = _("Complaints")
        complaints = report.complaints
        for category, count in complaints.by_category.items():
            label = str(CATEGORY_LABELS[category] if category else NOT_RECORDED)
            yield [section, _("By category"), "", "", label, count]
        for answer, count in complaints.by_outcome.items():
            yield [section, _("By outcome"), "", "", str(COMPLAINT_OUTCOME_LABELS[answer]), count]
        yield [section, _("Escalated"), "", "", "", complaints.escalated]
        yield [
            section,
            _("County Community Services decided"),
            "",
            "",
            "",
            complaints.county_decided,
        ]
        yield [
            section,
            _("Waiting for County Community Services"),
            "",
            "",
            "",
            complaints.awaiting_county,
        ]


def report_csv(report: Report, agency_name: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in report_rows(report, agency_name):
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue()
