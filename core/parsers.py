"""The JSON API's body parser: core.input's checks, so a body nested too
deep or carrying NUL bytes is a 400 like any malformed body."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.input import BadInput, load_json


class BadBody(ParseError):
    """A body core.input refused; `errors` names the field when it can."""

    def __init__(self, error):
        super().__init__(str(error))
        self.errors = {error.field: [str(error)]} if error.field else {}


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return load_json(stream.read())
        except BadInput as error:
            raise BadBody(error) from error
