"""The `<id:...>` path converter every URL with a database id uses: ASCII
digits, never past what a signed 64-bit column holds (core.parse.MAX_ID).
A larger number does not match, so the answer is 404; with Django's `int`
converter it reached SQLite as an OverflowError (500)."""

from django.urls import register_converter

from core.parse import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")
        return number

    def to_url(self, value):
        return str(int(value))


def register():
    register_converter(IdConverter, "id")
