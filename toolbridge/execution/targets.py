"""A rendered URL as the `httpx2.URL` httpx2 would parse it to, without parsing it again.

httpx2 parses, validates and normalises every URL string it is given: ~9 µs (~85 K
instructions) per request, a few per cent of a whole call over loopback. Our renderer
already writes URLs in the form httpx2 normalises to: the origin comes from the action
file, the path and query are percent-encoded by us. So `target()` parses each origin once
(with httpx2, cached) and joins the path and query to it when httpx2's parse would leave
them as they are:

- the path holds only characters httpx2 keeps as they are (RFC 3986 unreserved and its
  path-safe set, `%` among them: httpx2 never re-encodes an existing `%xx` or a bare `%`)
  and no `.` or `..` segment, which it would remove;
- the query, if any, holds only characters httpx2 keeps as they are in a query.

Anything else (another scheme, no path, a character httpx2 would encode, a URL over its
length limit, an origin with userinfo or over 300 characters) is returned as the string,
and httpx2 parses it as before. So the request is the same either way; property tests
compare both over hostile strings.

The `httpx2.URL` is made with the parse result httpx2 keeps (`_uri_reference`). That is
httpx2's private layout: `available` is checked once at import against a real parse, and
if it ever differs every URL goes to httpx2 as a string.
"""

from __future__ import annotations

import re

import httpx2

_PATH = re.compile(r"/[A-Za-z0-9\-._~!$%&'()*+,;=:@/\[\\\]^|]*")
"""A path httpx2 keeps as it is: printable ASCII but space, `"#<>?` and `` `{} ``."""

_QUERY = re.compile(r"[A-Za-z0-9\-._~!$%&'()*+,;=:@/\[\\\]^|?`{}]*")
"""A query httpx2 keeps as it is: printable ASCII but space, `"#<>`."""

_MAX_LENGTH = 65536
"""httpx2 refuses longer URLs: those go to it as strings, so it still does."""

_ORIGINS: dict[str, tuple[str, str, str, int | None]] = {}
"""`scheme://authority` → httpx2's scheme, userinfo, host and port for it. Origins come
from action files (and same-origin redirects), so few; the cache is emptied at 256."""

_MAX_ORIGIN = 300
"""Longer origins are not cached (a host name is at most 253 characters)."""


def target(url: str) -> httpx2.URL | str:
    """`url` as an `httpx2.URL` equal to `httpx2.URL(url)`, or `url` itself when only
    httpx2's own parse can say (see the module docstring)."""
    if url.startswith("https://"):
        slash = url.find("/", 8)
    elif url.startswith("http://"):
        slash = url.find("/", 7)
    else:
        return url
    if slash < 0 or len(url) > _MAX_LENGTH:
        return url
    origin = url[:slash]
    path, mark, query = url[slash:].partition("?")
    if (
        _PATH.fullmatch(path) is None
        or (mark and _QUERY.fullmatch(query) is None)
        or ("/." in path and any(part in (".", "..") for part in path.split("/")))
    ):
        return url
    parts = _ORIGINS.get(origin)
    if parts is None:
        # The authority ends at the first / ? or #. An origin with userinfo, or a long one,
        # is left to httpx2: a server can make each same-origin redirect hop a new one
        # (the origin check ignores userinfo), and the cache would keep them all.
        if "?" in origin or "#" in origin or "@" in origin or len(origin) > _MAX_ORIGIN:
            return url
        try:
            parsed = httpx2.URL(origin)._uri_reference
        except Exception:  # InvalidURL, or idna's own error for a bad name
            return url  # httpx2 raises it again for the whole URL, as it did
        if len(_ORIGINS) >= 256:
            _ORIGINS.clear()
        parts = _ORIGINS[origin] = (parsed.scheme, parsed.userinfo, parsed.host, parsed.port)
    made = _new_url(_URL)
    made._uri_reference = _ParseResult(*parts, path, query if mark else None, None)
    return made


_URL = httpx2.URL
_new_url = httpx2.URL.__new__
_ParseResult: type = type(getattr(httpx2.URL("http://a"), "_uri_reference", None))


def _available() -> bool:
    """Whether a URL made as `target` makes it is the one httpx2 parses."""
    sample = "http://Example.COM:80/a/b%2Fc;d=e?x=1&y=%20z"  # what is cached: no userinfo
    try:
        made, parsed = target(sample), _URL(sample)
        return (isinstance(made, _URL) and made == parsed
                and made._uri_reference == parsed._uri_reference
                and made.raw_path == parsed.raw_path)
    except Exception:  # any change in httpx2's layout disables the path
        return False


available = _available()
_ORIGINS.clear()
if not available:
    def target(url: str) -> httpx2.URL | str:  # type: ignore[no-redef]
        """httpx2 parses every URL (its URL layout changed: see the module docstring)."""
        return url
