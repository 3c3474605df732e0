"""The one error every format parser raises: it names the format, the problem and, when known, the field."""

from __future__ import annotations


class FormatError(ValueError):
    """Input bytes that cannot become article drafts.

    `format` is the format being parsed ("nitf", "rss", ...); `reason` is a human-readable sentence that
    starts with the format and names the problem; `field` is the raw-record field at fault, if any.
    """

    def __init__(self, fmt: str, reason: str, field: str | None = None) -> None:
        super().__init__(f"{fmt}: {reason}")
        self.format = fmt
        self.reason = f"{fmt}: {reason}"
        self.field = field
