"""Spanish (Mexico): "10 de enero de 2026 a las 14:05", in the site's time zone.

Month names are lower-case in Spanish. Django's es_MX catalog capitalises
them ("Enero"), so the site's catalog (site/locale/es_MX) translates the
month names again; they are marked here so that makemessages keeps them."""

from django.utils.translation import gettext_noop

DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y \a \l\a\s H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
YEAR_MONTH_FORMAT = r"F \d\e Y"

MONTH_NAMES = [
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
]
