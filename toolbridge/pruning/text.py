"""Text responses: HTML reduced to its visible text, other text trimmed and shortened."""

from __future__ import annotations

from html.parser import HTMLParser

from .fit import _fit_string

_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object"})
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header",
    "footer", "nav", "main", "aside", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote",
    "title", "dt", "dd", "form", "hr",
})


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML page: no tags, scripts or styles; whitespace collapsed."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def prune_text(text: str, content_type: str, max_chars: int) -> str:
    """A text response for the model: HTML reduced to visible text, the rest shortened."""
    kind = (content_type or "").split(";")[0].strip().lower()
    head = text[:200].lstrip().lower()
    if "html" in kind or head.startswith(("<!doctype html", "<html")):
        text = html_text(text)
    else:
        text = text.strip()
    return _fit_string(text, max_chars)
