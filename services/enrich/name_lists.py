"""An entry of a maintained name list (outlets, organisations), both read from JSON files of the same shape."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListedName:
    name: str
    """The canonical name every form maps to."""
    aliases: tuple[str, ...]
    kind: str
    context_only: frozenset[str] = frozenset()
    """Forms that are ordinary words too ("Time", "Apple"): looked up in context, never matched alone."""

    @property
    def surface_forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def ruler_forms(self) -> tuple[str, ...]:
        return tuple(form for form in self.surface_forms if form not in self.context_only)
