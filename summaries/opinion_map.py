"""The opinion groups' map as SVG geometry, drawn by
site/templates/summaries/charts/opinion_map.html: each person's place in the
2-D projection, counted per cell of a grid (the stored analysis holds those
counts, never a person), one mark per (cell, group) with its area
proportional to the count.

As summaries/charts.py: colour is never the only cue. Each group has an
Okabe–Ito colour and a shape of its own (circle, square, diamond, triangle,
downward triangle: the same area for the same count), its number is written
at its centre, the legend under the drawing is HTML, and the page puts a
table of the same figures after it. Positions only say who reacted alike:
the axes have no meaning of their own."""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# The square the cells are drawn in, and the margin around it.
SIZE = 400
MARGIN = 16
# The largest mark's radius, in cells (at most MAX_RADIUS px), and the
# smallest mark's, so a lone person still shows.
CELL_RADIUS = 0.6
MAX_RADIUS = 14
MIN_RADIUS = 2.5
# One shape per group number (1 to 5): summary.css colours them.
SHAPES = ("circle", "square", "diamond", "triangle", "triangle-down")
# Area of each shape for the "radius" r of the circle of the same area.
_SQUARE = math.sqrt(math.pi) / 2  # half the side
_DIAMOND = math.sqrt(math.pi / 2)  # half the diagonal
_TRIANGLE = math.sqrt(4 * math.pi / (3 * math.sqrt(3)))  # circumradius


def shape_of(number):
    return SHAPES[(number - 1) % len(SHAPES)]


@dataclass
class Mark:
    group: int
    count: int
    x: float
    y: float
    r: float
    shape: str
    # A polygon's points ("" for a circle).
    points: str = ""


@dataclass
class MapGroup:
    number: int
    size: int
    shape: str
    # The count-weighted centre of the group's cells, in [0, 1] (x left to
    # right, y bottom to top), and where its number is written.
    centre_x: float = 0.0
    centre_y: float = 0.0
    label_x: float = 0.0
    label_y: float = 0.0
    # The legend's swatch, 16 × 16.
    swatch: str = ""


@dataclass
class OpinionMap:
    id: str
    title: str
    description: str
    width: int
    height: int
    marks: list = field(default_factory=list)
    groups: list = field(default_factory=list)


def polygon(shape, x, y, r):
    """The points of `shape` centred on (x, y), of the area of a circle of
    radius r ("" for a circle)."""
    if shape == "square":
        h = r * _SQUARE
        corners = [(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)]
    elif shape == "diamond":
        h = r * _DIAMOND
        corners = [(x, y - h), (x + h, y), (x, y + h), (x - h, y)]
    elif shape in ("triangle", "triangle-down"):
        c = r * _TRIANGLE
        flip = -1 if shape == "triangle-down" else 1
        corners = [
            (x + c * math.cos(math.radians(angle)), y - flip * c * math.sin(math.radians(angle)))
            for angle in (90, 210, 330)
        ]
    else:
        return ""
    return " ".join(f"{px:.1f},{py:.1f}" for px, py in corners)


def _place(value):
    """A unit coordinate as a position in the drawing."""
    return MARGIN + min(max(float(value), 0.0), 1.0) * SIZE


def opinion_map(map_id, groups, cells, grid):
    """The map of `groups` ([(number, size)], the groups shown) from the
    stored `cells` ([{x, y, group, count}], x and y in [0, 1]); cells of any
    other group are left out. None when there is nothing to draw."""
    sizes = dict(groups)
    cells = [cell for cell in cells if cell.get("group") in sizes and cell.get("count", 0) > 0]
    if not cells:
        return None
    largest = max(cell["count"] for cell in cells)
    biggest_radius = min(MAX_RADIUS, CELL_RADIUS * SIZE / max(int(grid or 1), 1))
    marks = []
    weights = {number: [0.0, 0.0, 0] for number in sizes}
    # The largest marks first, so a smaller one on the same spot stays visible.
    for cell in sorted(cells, key=lambda c: (-c["count"], c["group"], c["x"], c["y"])):
        number, count = cell["group"], cell["count"]
        x, y = _place(cell["x"]), _place(1 - float(cell["y"]))
        r = max(MIN_RADIUS, biggest_radius * math.sqrt(count / largest))
        shape = shape_of(number)
        marks.append(Mark(number, count, round(x, 1), round(y, 1), round(r, 1), shape,
                          polygon(shape, x, y, r)))  # fmt: skip
        total = weights[number]
        total[0] += float(cell["x"]) * count
        total[1] += float(cell["y"]) * count
        total[2] += count
    shown = []
    for number, size in groups:
        sum_x, sum_y, counted = weights[number]
        entry = MapGroup(number, size, shape_of(number))
        if counted:
            entry.centre_x, entry.centre_y = round(sum_x / counted, 2), round(sum_y / counted, 2)
            entry.label_x = round(_place(entry.centre_x), 1)
            entry.label_y = round(_place(1 - entry.centre_y), 1)
        entry.swatch = polygon(entry.shape, 8, 8, 6)
        shown.append(entry)
    description = " ".join(
        [_("People placed close together reacted alike; the axes have no meaning of their own.")]
        + [
            ngettext(
                "Group %(number)s: %(size)s person, centred at x %(x)s, y %(y)s.",
                "Group %(number)s: %(size)s people, centred at x %(x)s, y %(y)s.",
                g.size,
            )
            % {
                "number": g.number,
                "size": g.size,
                "x": number_format(g.centre_x, 2),
                "y": number_format(g.centre_y, 2),
            }
            for g in shown
        ]
    )
    side = SIZE + 2 * MARGIN
    return OpinionMap(map_id, _("Map of the opinion groups"), description, side, side, marks, shown)
