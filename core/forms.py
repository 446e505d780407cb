"""Form fields for what clients type into filters, bounded to what the
databases and Python's datetime hold: ids up to 2^63-1 (SQLite overflows
past it), days between 2000 and 2999 (a day past 9999-12-30 has no next
midnight, and Mexico City's offsets before 1922 are not whole minutes)."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from core.parse import MAX_ID

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class DayField(forms.DateField):
    default_error_messages = {
        "out_of_range": _("Choose a date between %(first)s and %(last)s."),
    }

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                self.error_messages["out_of_range"],
                code="out_of_range",
                params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        return day
