"""Bar charts drawn on the server as SVG: the geometry here, the markup in
templates/reports/_bar_chart.html.

Bars run across, one labelled group under another, so a chart reads the same at 320 px as on a
kiosk and labels of any length (and language) fit above their bars. Every bar carries its number,
and series differ by pattern (solid, striped) as well as colour. Each chart is an image with a
title and a description; the table beside it holds the same numbers for anyone who cannot see it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from portal.reports.numbers import CORRECTION_OUTCOMES, Report
from portal.requests.labels import STATUS_LABELS

# User units: a chart 320 wide shows its 14-unit text at about 13 px on a 320 px phone, and
# reports.css caps its width so the text stays near 20 px on a kiosk.
WIDTH = 320
FONT_SIZE = 14
BAR_HEIGHT = 16
BAR_GAP = 3
GROUP_GAP = 14
LABEL_HEIGHT = 20  # a group's label line, above its bars
LEGEND_ROW = 22
VALUE_SPACE = 44  # room at the end of the longest bar for its number
STYLES = ("solid", "striped")


@dataclass(frozen=True)
class Series:
    label: str
    style: str  # one of STYLES


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    style: str
    text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Group:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class LegendItem:
    label: str
    style: str
    y: float
    text_y: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: float
    legend: tuple[LegendItem, ...]
    groups: tuple[Group, ...]
    font_size: int = FONT_SIZE
    swatch: int = BAR_HEIGHT


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    series: Sequence[Series],
    groups: Sequence[tuple[str, Sequence[int]]],
    number: Callable[[int], str] = str,
) -> BarChart:
    """Lay out groups of bars (one value per series in each group), longest bar to scale."""
    legend = tuple(
        LegendItem(item.label, item.style, index * LEGEND_ROW, index * LEGEND_ROW + FONT_SIZE + 1)
        for index, item in enumerate(series)
        if len(series) > 1
    )
    top = len(legend) * LEGEND_ROW + (GROUP_GAP if legend else 0)
    largest = max((value for _label, values in groups for value in values), default=0)
    scale = (WIDTH - VALUE_SPACE) / largest if largest else 0
    laid_out = []
    for label, values in groups:
        bars = []
        y = top + LABEL_HEIGHT
        for item, value in zip(series, values, strict=True):
            width = value * scale
            bars.append(
                Bar(
                    x=0,
                    y=y,
                    width=round(width, 2),
                    height=BAR_HEIGHT,
                    style=item.style,
                    text=number(value),
                    text_x=round(width + 5, 2),
                    text_y=y + BAR_HEIGHT - 3.5,
                )
            )
            y += BAR_HEIGHT + BAR_GAP
        laid_out.append(Group(label, top + FONT_SIZE, tuple(bars)))
        top = y - BAR_GAP + GROUP_GAP
    return BarChart(chart_id, title, description, WIDTH, top, legend, tuple(laid_out))


def _number(value: int) -> str:
    return str(format_decimal(value))


def month_chart(report: Report) -> BarChart:
    """Received and completed requests (all types) in each month."""
    months = report.months
    return bar_chart(
        "chart-months",
        _("Requests received and completed, by month"),
        _(
            "Two bars for each month from %(start)s to %(end)s: requests received (solid) and, "
            "of those, requests completed (striped). Received in all: %(received)s. Completed in "
            "all: %(completed)s. The table next to the chart has every number.",
            start=format_date(months[0].month, "MMMM y") if months else "",
            end=format_date(months[-1].month, "MMMM y") if months else "",
            received=_number(report.totals.received),
            completed=_number(report.totals.completed),
        ),
        (Series(_("Received"), "solid"), Series(_("Completed"), "striped")),
        [
            (
                str(format_date(month.month, "MMM y")),
                (month.total_received, month.total_completed),
            )
            for month in months
        ],
        _number,
    )


def outcome_chart(report: Report) -> BarChart:
    """Corrections decided, by outcome."""
    counts = report.corrections
    return bar_chart(
        "chart-outcomes",
        _("Correction decisions by outcome"),
        _(
            "One bar for each outcome of the corrections asked for in these dates. Approved: "
            "%(approved)s. Partly approved: %(partly)s. Denied: %(denied)s. The table next to the "
            "chart has the same numbers.",
            approved=_number(counts[CORRECTION_OUTCOMES[0]]),
            partly=_number(counts[CORRECTION_OUTCOMES[1]]),
            denied=_number(counts[CORRECTION_OUTCOMES[2]]),
        ),
        (Series(_("Corrections"), "solid"),),
        [(str(STATUS_LABELS[outcome]), (counts[outcome],)) for outcome in CORRECTION_OUTCOMES],
        _number,
    )
