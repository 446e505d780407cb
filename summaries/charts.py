"""Bar charts as SVG geometry, drawn by the templates in
site/templates/summaries/charts/. Each chart is an image with a title and a
text description, and the page puts a table of the same numbers after it:
the chart is for seeing the shape, the table for reading the values.

Colour is never the only cue: the series use the Okabe–Ito palette (blue,
orange, grey: told apart with any colour vision), the second and third
series are also patterned (hatched, dotted), and every chart with more than
one series has a legend written in HTML under it, with each series' number,
so no label is ever cut by the drawing's width: the browser lays the words
out and wraps them."""

from dataclasses import dataclass, field

WIDTH = 640
ROW_HEIGHT = 40  # label line + bar
BAR_HEIGHT = 16
COLUMN_AREA_HEIGHT = 160
AXIS_SPACE = 28
# Leaves room after the longest bar for its value.
VALUE_SPACE = 70
STACK_HEIGHT = 32
# A horizontal bar's label is written above it at 13 px: about 7 px a
# character, so a longer label would run past the drawing; the table under
# the chart has it whole.
LABEL_CHARACTERS = 80

# Series styles (site/static/css/summary.css draws them, the templates'
# <pattern>s pattern them): solid, hatched, dotted.
SERIES_KINDS = ("first", "second", "third")


@dataclass
class Bar:
    label: str
    value: int
    y: int = 0
    x: int = 0
    width: int = 0
    height: int = 0
    # Where the value is written: after a bar, or above a column.
    text_x: int = 0
    text_y: int = 0
    show_label: bool = True
    # The series (one of SERIES_KINDS) of a part of a stacked bar.
    kind: str = ""
    # The parts of a stacked column, bottom first.
    parts: list = field(default_factory=list)


@dataclass
class LegendEntry:
    label: str
    kind: str
    # The series' number, and its share of the whole in percent, when the
    # legend gives them (the stacked bar's does).
    value: int | None = None
    percent: int | None = None


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list = field(default_factory=list)
    ticks: list = field(default_factory=list)
    legend: list = field(default_factory=list)


def horizontal(chart_id, title, description, rows):
    """One bar per (label, value), its label above it and its value after."""
    rows = list(rows)
    largest = max((value for _label, value in rows), default=0) or 1
    usable = WIDTH - VALUE_SPACE
    bars = []
    for position, (label, value) in enumerate(rows):
        top = position * ROW_HEIGHT
        length = round(usable * value / largest)
        bars.append(
            Bar(
                label=label,
                value=value,
                y=top + 20,
                width=max(length, 1 if value else 0),
                height=BAR_HEIGHT,
                text_x=length + 6,
                text_y=top + 20 + BAR_HEIGHT - 3,
            )
        )
    return Chart(chart_id, title, description, WIDTH, max(len(bars), 1) * ROW_HEIGHT, bars)


def columns(chart_id, title, description, rows, series, label_every=None):
    """One stacked column per (label, (value of each series)) left to right
    (days), the first series at the bottom; `series` names them for the
    legend. Labels under every `label_every`th column so they never
    overlap."""
    rows = list(rows)
    count = max(len(rows), 1)
    largest = max((sum(values) for _label, values in rows), default=0) or 1
    step = WIDTH / count
    label_every = label_every or max(1, round(count / 8))
    bars = []
    for position, (label, values) in enumerate(rows):
        x = round(position * step + step * 0.1)
        width = max(round(step * 0.8), 1)
        parts, top = [], COLUMN_AREA_HEIGHT
        for value, kind in zip(values, SERIES_KINDS, strict=False):
            height = round(COLUMN_AREA_HEIGHT * value / largest)
            if height:
                top -= height
                parts.append(Bar(label="", value=value, x=x, y=top, width=width, height=height,
                                 kind=kind))  # fmt: skip
        bars.append(
            Bar(
                label=label,
                value=sum(values),
                x=x,
                y=top,
                width=width,
                height=COLUMN_AREA_HEIGHT - top,
                text_x=round(position * step + step / 2),
                text_y=COLUMN_AREA_HEIGHT + 18,
                show_label=position % label_every == 0,
                parts=parts,
            )
        )
    chart = Chart(chart_id, title, description, WIDTH, COLUMN_AREA_HEIGHT + AXIS_SPACE, bars)
    chart.ticks = [(0, COLUMN_AREA_HEIGHT), (largest, 0)]
    kinds = zip(series, SERIES_KINDS, strict=False)
    chart.legend = [LegendEntry(name, kind) for name, kind in kinds]
    return chart


def stacked(chart_id, title, description, parts):
    """One bar split in (label, value) parts, one series each. The parts'
    names, numbers and shares are in the legend under the bar, in the bar's
    order, rather than inside it, where a short part would cut them."""
    total = sum(value for _label, value in parts)
    bars, legend, x = [], [], 0
    for (label, value), kind in zip(parts, SERIES_KINDS, strict=False):
        width = round(WIDTH * value / total) if total else 0
        percent = round(100 * value / total) if total else 0
        bars.append(Bar(label=label, value=value, x=x, width=width, height=STACK_HEIGHT,
                        kind=kind))  # fmt: skip
        legend.append(LegendEntry(label, kind, value, percent))
        x += width
    chart = Chart(chart_id, title, description, WIDTH, STACK_HEIGHT, bars if total else [])
    chart.legend = legend
    return chart
