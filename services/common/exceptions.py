"""Errors shared by both services. Each service has its own root exception too."""


class NewswireError(Exception):
    """Root of every error newswire raises on purpose."""


class SettingsError(NewswireError):
    """A NEWSWIRE_* variable is missing, malformed or out of range; the message names it."""


class RecordError(NewswireError):
    """A record does not match its schema or cannot be decoded.

    `problems` lists (field path, message) pairs so callers can report every one.
    """

    def __init__(self, reason: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []
