"""The site's date formats (settings.FORMAT_MODULE_PATH), over Django's own
for each language: what a page shows and what live.js writes for a comment
that arrives live come from the same DATETIME_FORMAT
(comments.templatetags.comment_tags.datetime_display)."""
