"""Where a load-time problem is: field paths, line lookups and the per-action report."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import Problem

FieldPath = tuple[str | int, ...]
"""Where a problem is inside an action: `("variables", 2, "default")`."""
LineLookup = Callable[[FieldPath], "int | None"]
"""Maps a path inside one action to its line in the file (nearest ancestor if needed)."""


def field_name(path: FieldPath) -> str:
    """`("variables", 2, "default")` → `variables[2].default`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Report:
    """Collects the problems of one action, located by path."""

    def __init__(
        self, out: list[Problem], file: str | None, action: str | None, lines: LineLookup | None
    ) -> None:
        self.out, self.file, self.action, self.lines = out, file, action, lines

    def add(
        self, path: FieldPath, message: str, *, at: FieldPath | None = None, warning: bool = False
    ) -> None:
        line = self.lines(at if at is not None else path) if self.lines else None
        self.out.append(
            Problem(
                self.file,
                self.action,
                field_name(path) or None,
                message,
                line,
                "warning" if warning else "error",
            )
        )
