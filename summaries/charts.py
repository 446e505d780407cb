"""Bar charts as SVG geometry, drawn by the templates in
site/templates/summaries/charts/. Each chart is an image with a title and a
text description, and the page puts a table of the same numbers after it:
the chart is for seeing the shape, the table for reading the values."""

from dataclasses import dataclass, field

WIDTH = 640
ROW_HEIGHT = 40  # label line + bar
BAR_HEIGHT = 16
COLUMN_AREA_HEIGHT = 160
AXIS_SPACE = 28
# Leaves room after the longest bar for its value.
VALUE_SPACE = 70


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
    # A CSS class for parts of a stacked bar (their meaning is in words too).
    kind: str = ""


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list = field(default_factory=list)
    ticks: list = field(default_factory=list)


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


def columns(chart_id, title, description, rows, label_every=None):
    """One column per (label, value) left to right (days); labels under
    every `label_every`th column so they never overlap."""
    rows = list(rows)
    count = max(len(rows), 1)
    largest = max((value for _label, value in rows), default=0) or 1
    step = WIDTH / count
    label_every = label_every or max(1, round(count / 8))
    bars = []
    for position, (label, value) in enumerate(rows):
        height = round(COLUMN_AREA_HEIGHT * value / largest)
        x = round(position * step + step * 0.1)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=x,
                y=COLUMN_AREA_HEIGHT - height,
                width=max(round(step * 0.8), 1),
                height=height,
                text_x=round(position * step + step / 2),
                text_y=COLUMN_AREA_HEIGHT + 18,
                show_label=position % label_every == 0,
            )
        )
    chart = Chart(chart_id, title, description, WIDTH, COLUMN_AREA_HEIGHT + AXIS_SPACE, bars)
    chart.ticks = [(0, COLUMN_AREA_HEIGHT), (largest, 0)]
    return chart


def stacked(chart_id, title, description, parts):
    """One bar split in (label, value, css class) parts, each labelled."""
    total = sum(value for _label, value, _kind in parts) or 1
    bars, x = [], 0
    for label, value, kind in parts:
        width = round(WIDTH * value / total)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=x,
                width=width,
                height=28,
                text_x=x + 4,
                text_y=19,
                show_label=width >= 60,
                kind=kind,
            )
        )
        x += width
    return Chart(chart_id, title, description, WIDTH, 28, bars)
