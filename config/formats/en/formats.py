"""English: "January 10, 2026, 2:05 PM", in the site's time zone (Django's
own "Jan. 10, 2026, 2:05 p.m." abbreviates and writes "noon" and "midnight",
which the page's live comments would have to mimic)."""

DATETIME_FORMAT = "F j, Y, g:i A"
