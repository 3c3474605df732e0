"""The page's layout undone before credits and datelines are read, offsets kept.

Page extraction leaves a story in the shapes of its page: a table row or a "|"-joined line holding the
headline, the dateline, the story and its sign-off ("Ferry plan | MOSCOW (AP) — The council ... | Reuters
contributed to this report."), rows of empty cells, and lines wrapped at a fixed width ("Copyright 2008 by
The\\nAssociated Press."). `as_page_text` returns the same text with each character where it was:

- a long line of cells (tabs or "|", escaped "\\|" too): each cell on a line of its own, the separator
  turned into a newline, so the dateline opens a line and the credits close one;
- a short line's bars blanked ("| Copyright 2008 Associated Press |", "Photo: Jane Roe | Reuters" stays
  one credit, its parts never lines of their own);
- a line wrapped after a function word, a comma or a copyright's year ("by The", "may not be",
  "January 23,", "© 2008") joined to the next with a space.
"""

from __future__ import annotations

import re

TABLE_LINE_CHARS = 200
_SEPARATOR = re.compile(r"\\?\||\t")
_ESCAPED_BAR = re.compile(r"\\(?=\|)")
# A line that cannot end a paragraph: it stops on a word a sentence goes on from, a comma, "© 2008".
_OPEN_END = re.compile(
    r"(?:,|\b(?i:the|a|an|by|of|and|or|to|be|in|on|at|for|with|from|not|may|is|are|was|were)|(?:©|\(c\))[ \t]*\d{4})"
    r"[ \t]*$"
)
_GOES_ON = re.compile(r"[ \t]*[A-Za-z0-9]")


def as_page_text(text: str) -> str:
    if "|" not in text and "\t" not in text and "\n" not in text:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        if "|" in line or "\t" in line:
            if len(line) >= TABLE_LINE_CHARS:
                line = _SEPARATOR.sub(lambda m: " " * (len(m.group(0)) - 1) + "\n", line)
            else:
                line = _ESCAPED_BAR.sub(" ", line).replace("|", " ").replace("\t", " ")
        out.append(line)
    for i in range(len(out) - 1):
        line = out[i]
        wrapped = line.endswith("\n") and not line.endswith("\r\n")
        if (
            wrapped
            and _OPEN_END.search(line, max(0, len(line) - 12), len(line) - 1)
            and _GOES_ON.match(out[i + 1])
        ):
            out[i] = line[:-1] + " "
    return "".join(out)
