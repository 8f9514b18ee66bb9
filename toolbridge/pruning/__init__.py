"""Pruning: what of a response the model gets to see (SPEC §3.8).

Pure functions over parsed data. `prune` keeps the `output.select` paths, masks the
`redact` paths, drops nulls and empties, cuts long lists and strings with a note of what
was cut, and caps the whole at `max_chars` while staying valid JSON. `prune_text` turns
HTML into its visible text and shortens text; `prune_body` goes from response bytes to
pruned data. `scrub` masks secret values an API echoes back; `prune` and `prune_body`
scrub before they cut, so half a secret is never left at a cut.

Conventions the model sees (the same in every result):
- a cut list ends with `{"_truncated": "showing 10 of 250 items"}`;
- a cut string ends with `…(+1234 chars)`;
- a dict that lost fields to `max_chars` gets `"_truncated": "12 more fields omitted"`.

Paths: `tracking.eta`, `items[].name` (`[]` reaches into each element; a path that meets
a list maps over it even without `[]`), `*` matches any key (`*.url`).

Modules: `select.py` (the paths and the walk: select, redact, drop empties, cut lists and
strings), `fit.py` (measuring and cutting down to `max_chars`), `text.py` (HTML to visible
text, `prune_text`), `response.py` (`prune`, `prune_body`, `scrub`, content types).
"""

from __future__ import annotations

from .response import DEFAULT_OUTPUT, is_json_type, prune, prune_body, scrub
from .select import NOTE_KEY
from .text import html_text, prune_text

__all__ = [
    "DEFAULT_OUTPUT",
    "NOTE_KEY",
    "html_text",
    "is_json_type",
    "prune",
    "prune_body",
    "prune_text",
    "scrub",
]
