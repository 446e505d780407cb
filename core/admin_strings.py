"""Wagtail admin strings that Wagtail's own Spanish catalog lacks (its
Spanish covers about three quarters of the admin) or gets wrong ("etiquedas").
Our catalog (LOCALE_PATHS) wins over Wagtail's, so listing them here lets
`makemessages --no-obsolete` keep them in site/locale and moderators, planners
and editors read the whole admin in Spanish. Never imported: only extracted.

Found by rendering the admin pages each role opens with a recorder of the
msgids the active catalog lacks (issue 16). Add a string here when a Wagtail
upgrade brings a new untranslated one; drop it once Wagtail translates it."""

# ruff: noqa: E501 - msgids must match Wagtail's exactly, long lines included
from django.utils.translation import gettext_noop, ngettext_lazy

SINGULAR = [
    gettext_noop("Search…"),
    gettext_noop("Shortcuts"),
    gettext_noop("Application"),
    gettext_noop("Text editing"),
    gettext_noop("Text formatting"),
    gettext_noop("account"),
    gettext_noop("All keyboard shortcuts"),
    gettext_noop("Keyboard shortcut"),
    gettext_noop("Show keyboard shortcuts"),
    gettext_noop("Toggle minimap"),
    gettext_noop("Close modal dialogs (like this one)"),
    gettext_noop("Add or show comments"),
    gettext_noop("Cut"),
    gettext_noop("Paste"),
    gettext_noop("Paste without formatting"),
    gettext_noop("Insert or edit a link"),
    gettext_noop("Monospace (code)"),
    gettext_noop("Strike-through"),
    gettext_noop(
        "Keyboard shortcuts are currently enabled; manage your %(account_link)s to disable them."
    ),
    gettext_noop("Keyboard shortcuts"),
    gettext_noop("Search all pages…"),
    gettext_noop("Edit account avatar"),
    gettext_noop("Wagtail %(current_version)s editor guide"),
    gettext_noop("There are no %(model_name)s to display."),
    gettext_noop("Filter by"),
    gettext_noop("Show filters"),
    gettext_noop(
        'There are no %(model_name)s to display. Why not <a href="%(add_url)s">add one</a>?'
    ),
    gettext_noop("Go to the first error"),
    gettext_noop("Use server language: %(language_name)s"),
    gettext_noop("Use server time zone"),
    gettext_noop("Enable custom keyboard shortcuts specific to Wagtail."),
    gettext_noop("admin theme"),
    gettext_noop("System default"),
    gettext_noop("Light"),
    gettext_noop("Dark"),
    gettext_noop("contrast"),
    gettext_noop("More contrast"),
    gettext_noop("density"),
    gettext_noop("Snug"),
    gettext_noop("Actions (footer)"),
    gettext_noop("Save your changes before leaving"),
    gettext_noop("Page types usage"),
    gettext_noop("Exploring"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("Date updated"),
    gettext_noop("Edited by"),
    gettext_noop("Has child pages"),
    gettext_noop("Page type"),
    gettext_noop("No"),
    gettext_noop("%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s"),
    gettext_noop("More options for '%(title)s'"),
    gettext_noop("Locking: "),
    gettext_noop("First published"),
    gettext_noop("Saved"),
    gettext_noop("Autosave is paused"),
    gettext_noop("A network error occurred"),
    gettext_noop(
        "Troubleshoot your connection to the site before proceeding. Open the editor in a separate tab to view the last saved version."
    ),
    gettext_noop("View latest version"),
    gettext_noop("Toggle checks"),
    gettext_noop("Checks"),
    gettext_noop("Show issue"),
    gettext_noop("Content metrics"),
    gettext_noop("Reading time"),
    gettext_noop("Readability"),
    gettext_noop("This data explained"),
    gettext_noop("How we calculate our metrics"),
    gettext_noop(
        "We extract the main content from the page preview, remove all formatting, and calculate the number of words."
    ),
    gettext_noop(
        "We calculate reading time from word count, using different reading speeds for different languages."
    ),
    gettext_noop(
        "We use a readability formula based on length of words and sentences. Long sentences and words result in a worse readability score."
    ),
    gettext_noop(
        'See our <a href="%(guide_link)s" target="_blank">content checks guide</a> for more information on how content metrics are calculated.'
    ),
    gettext_noop("Button text is empty"),
    gettext_noop("Use meaningful text for screen reader users"),
    gettext_noop("Empty heading found"),
    gettext_noop("Table header text is empty"),
    gettext_noop("Empty frame title found"),
    gettext_noop("Use a meaningful title for screen reader users"),
    gettext_noop("Incorrect heading hierarchy"),
    gettext_noop("Avoid skipping levels"),
    gettext_noop("Input button text is empty"),
    gettext_noop("Link text is empty"),
    gettext_noop("Misusing paragraphs as headings"),
    gettext_noop("Use proper heading tags"),
    gettext_noop("Image alt text has inappropriate pattern"),
    gettext_noop("Use meaningful text"),
    gettext_noop("Meta description is empty"),
    gettext_noop("Add a concise description for search engines"),
    gettext_noop("Choose when this %(model_name)s should go live and/or expire"),
    gettext_noop(
        'This publishing schedule will only take effect after you select the "Schedule to publish" option'
    ),
    gettext_noop("Autosave is <span>paused</span>"),
    gettext_noop("Is commenting action"),
    gettext_noop("Usage count"),
    gettext_noop("Minimum"),
    gettext_noop("Maximum"),
    gettext_noop("Usage count: (low to high)"),
    gettext_noop("Usage count: (high to low)"),
    gettext_noop("Grid layout"),
    gettext_noop("List layout"),
    gettext_noop("Wagtail upgrade available"),
    gettext_noop(
        'Your version: <strong>%(current_version)s</strong>. New version: <strong data-w-upgrade-target="latestVersion"></strong>.'
    ),
    gettext_noop("Last login"),
    gettext_noop("Access level"),
    gettext_noop("Admin"),
    gettext_noop("Error 404"),
    gettext_noop("Locked by"),
    gettext_noop("Anyone"),
    gettext_noop("Show disabled"),
    gettext_noop(
        'Multi-word tags with spaces will automatically be enclosed in double quotes (").'
    ),
]

PLURAL = [
    ngettext_lazy(
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
        "count",
    ),
    ngettext_lazy(
        '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
        "count",
    ),
    ngettext_lazy(
        '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
        "count",
    ),
    ngettext_lazy("Referenced %(count)s time", "Referenced %(count)s times", "count"),
    ngettext_lazy("Add tags to 1 image", "Add tags to %(counter)s images", "count"),
]
