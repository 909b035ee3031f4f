"""Keeps secret values out of logs and messages.

Every secret value the library reads is registered here; ``redact`` replaces registered values in any
text, and ``RedactingFilter`` applies it to every log record a handler emits.
"""

from __future__ import annotations

import logging
import threading

_MASK = "***"
_lock = threading.Lock()
_values: set[str] = set()


def register_secret(value: str) -> None:
    """Remember ``value`` so that ``redact`` masks it from now on (values under 4 chars are ignored)."""
    if len(value) >= 4:
        with _lock:
            _values.add(value)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret value replaced by ``***``."""
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that masks registered secret values in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
