"""Structured logs: one JSON object per line on stderr, from every worker process.

Each access line carries the request id that the caller also sees in `X-Request-ID`, so
a complaint quoting it leads straight to the line (and to a 500's traceback, logged under
the same id).
"""

import datetime as dt
import json
import logging
import re
from typing import Any

# Paths whose last part is a secret (calendar feeds): never written to a log.
_SECRET_PATH = re.compile(r"(/calendar-feeds/)[^/]+")


def loggable_path(path: str) -> str:
    """The path as logs may show it: a calendar feed's secret replaced by `<secret>`."""
    return _SECRET_PATH.sub(r"\1<secret>", path)


# Attributes every LogRecord has; anything else on a record came from `extra=` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # taken by logging when the record is made
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str) -> dict[str, Any]:
    """`logging.config.dictConfig` settings for uvicorn, which applies them in each worker.

    Uvicorn's own access log is off: `requests.RequestIdMiddleware` writes a richer line.
    """
    handler = {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "sykkelturen": handler,
            "uvicorn": handler,
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }
