"""Per-request values that deep code (the audit log) needs without passing them around."""

from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
