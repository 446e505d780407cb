"""How log records are written: one JSON object per line in production (for
a log collector), plain text in development. Both carry the id of the
request being served (core/request_log.py) on every record logged while it
is, so that an error line can be tied to its request line.

Standard library only: the production settings import this module."""

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from core.request_log import current_request_id

# The attributes every LogRecord has; anything else on a record was passed as
# `extra=` and goes into the JSON object as a field of its own.
RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Give every record the current request's id ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id() or NO_REQUEST
        return True


class JsonFormatter(logging.Formatter):
    """One line of JSON: ts (UTC, ISO 8601), level, logger, message, pid,
    request_id when there is one, the record's `extra` fields, and the
    exception's traceback in "exc"."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process if record.process is not None else os.getpid(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id and request_id != NO_REQUEST:
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in RESERVED and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(level: str, json: bool) -> dict[str, Any]:
    """The LOGGING setting: every logger to one console handler on stderr,
    at `level` (a level name such as "INFO"), as JSON lines or plain text.
    An unknown level name raises ValueError when Django applies it."""
    formatter: dict[str, Any] = (
        {"()": "core.logs.JsonFormatter"} if json else {"format": PLAIN_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "core.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id"],
                "formatter": "default",
            }
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        # uvicorn's own loggers reach the same handler, from WARNING up: its
        # access lines and its INFO lines about websockets would repeat the
        # request lines of puente.request, with the query string in them.
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True, "level": "WARNING"},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        },
    }
