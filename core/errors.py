"""What an action refuses, with the HTTP status each transport maps it to.

Every `check_*` and `do_*` of every app raises these; the JSON API
(core.api), the websocket consumers (core.sockets) and the HTML views turn
them into a response, a frame or a message next to the form."""

from django.utils.translation import gettext_lazy as _


class ActionError(Exception):
    status = 400
    code = "invalid"

    retry_after: int | None = None

    def __init__(self, message, errors=None):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}

    def envelope(self):
        """The JSON API's body for this error: {detail, code, errors?,
        retry_after?} (core.api sends it; plain views under /api/ too)."""
        body: dict[str, object] = {"detail": str(self.message), "code": self.code}
        if self.errors:
            body["errors"] = {
                field: [str(m) for m in messages] for field, messages in self.errors.items()
            }
        if self.retry_after:
            body["retry_after"] = self.retry_after
        return body


class Invalid(ActionError):
    """Bad input: `errors` maps field names to messages."""

    def __init__(self, errors):
        super().__init__(_("Please correct the errors below."), errors)


class NotAllowed(ActionError):
    status = 403
    code = "forbidden"


class NotFound(ActionError):
    status = 404
    code = "not_found"

    def __init__(self, message=None):
        super().__init__(message or _("That comment does not exist."))


class Conflict(ActionError):
    """The thing is no longer in a state the action applies to."""

    status = 409
    code = "conflict"


class RateLimited(ActionError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after, message=None):
        super().__init__(
            message
            or _("You are posting too fast. Try again in %(seconds)s seconds.")
            % {"seconds": retry_after}
        )
        self.retry_after = retry_after
