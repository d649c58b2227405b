"""The library's log records into Python's ``logging`` (logger ``pocketdock.lib``)."""

from __future__ import annotations

import ctypes
import logging

from pocketdock._decls import (
    PD_FREE_CB,
    PD_LOG_CB,
    PD_LOG_DEBUG,
    PD_LOG_ERROR,
    PD_LOG_INFO,
    PD_LOG_OFF,
    PD_LOG_TRACE,
    PD_LOG_WARN,
)
from pocketdock._lib import call

_logger = logging.getLogger("pocketdock.lib")
_TO_PY = {PD_LOG_ERROR: logging.ERROR, PD_LOG_WARN: logging.WARNING, PD_LOG_INFO: logging.INFO,
          PD_LOG_DEBUG: logging.DEBUG, PD_LOG_TRACE: 5}
_FROM_PY = [(logging.ERROR, PD_LOG_ERROR), (logging.WARNING, PD_LOG_WARN), (logging.INFO, PD_LOG_INFO),
            (logging.DEBUG, PD_LOG_DEBUG), (0, PD_LOG_TRACE)]


def _emit(_ud: int | None, level: int, target: bytes | None, message: bytes | None) -> None:
    try:
        _logger.log(_TO_PY.get(level, logging.INFO), "%s: %s", (target or b"").decode(errors="replace"),
                    (message or b"").decode(errors="replace"))
    except Exception:  # noqa: BLE001, S110 (never raise into the library)
        pass


_EMIT = PD_LOG_CB(_emit)  # module-level: alive for the life of the process


_enabled = False


def set_log_level(level: int | None) -> None:
    """Addition: sends the library's records at ``level`` (a ``logging`` level) and more
    severe to the ``pocketdock.lib`` logger; None silences the library (the default)."""
    global _enabled  # noqa: PLW0603
    # No free_user_data: _EMIT lives as long as the process, and a callback posted while the
    # interpreter exits must not exist (see _callbacks.quiesce).
    if level is None:
        if _enabled:
            call("pd_set_log_callback", ctypes.c_int32(PD_LOG_OFF), PD_LOG_CB(), None, PD_FREE_CB())
            _enabled = False
        return
    pd_level = next(pd for py, pd in _FROM_PY if level >= py)
    call("pd_set_log_callback", ctypes.c_int32(pd_level), _EMIT, None, PD_FREE_CB())
    _enabled = True
