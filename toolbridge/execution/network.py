"""The network policy: which addresses a call may dial, checked on the address dialled.

SPEC §3.6 and Policies: cloud-metadata and link-local targets are always refused;
`allow_private=False` also refuses loopback, private, CGNAT, unspecified, IPv4-mapped and
NAT64/6to4 addresses that embed a private IPv4 address; `https_only` refuses plain http.

A check on the URL's host string is not enough: `2130706433`, `0x7f.1` and a DNS name
that resolves to 127.0.0.1 all reach loopback. So our own clients get an httpcore2
network backend (`GuardedBackend` / `AsyncGuardedBackend`) that resolves the host itself,
checks *every* address it got, and connects to a checked IP literal: the address dialled
is the address checked, and DNS cannot change its answer in between. TLS still verifies
the hostname, because httpcore2 passes the origin's host to `start_tls(server_hostname=)`.

The sync backend also clamps every socket timeout to the attempt's overall deadline
(`DEADLINE`, set by the sync driver), so a server dripping one byte a second cannot
stretch a call past `timeout_ms`.

What this module does not do: decide retries or map errors (`flow`, `drivers`).
"""

from __future__ import annotations

import contextvars
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore2

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

ALWAYS_REFUSED: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    _V4("169.254.0.0/16"),  # link-local, home of 169.254.169.254 (AWS, GCP, Azure metadata)
    _V6("fe80::/10"),  # IPv6 link-local
    _V6("fd00:ec2::254/128"),  # AWS metadata over IPv6
    _V4("100.100.100.200/32"),  # Alibaba Cloud metadata
)
"""Refused whatever `allow_private` says: a bot has no business with cloud metadata."""

PRIVATE: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
    _V4("0.0.0.0/8"),  # "this network"; 0.0.0.0 dials the local host
    _V4("10.0.0.0/8"),
    _V4("100.64.0.0/10"),  # CGNAT (shared address space)
    _V4("127.0.0.0/8"),
    _V4("172.16.0.0/12"),
    _V4("192.0.0.0/24"),  # IETF protocol assignments
    _V4("192.168.0.0/16"),
    _V4("198.18.0.0/15"),  # benchmarking, used inside data centres
    _V4("224.0.0.0/3"),  # multicast, reserved, broadcast
    _V6("::/128"),
    _V6("::1/128"),
    _V6("::/96"),  # deprecated IPv4-compatible addresses
    _V6("::ffff:0:0/96"),  # IPv4-mapped: refused outright, whatever it embeds
    _V6("fc00::/7"),  # unique local
    _V6("fec0::/10"),  # deprecated site-local
    _V6("ff00::/8"),  # multicast
)
"""Refused when `allow_private=False`. Listed explicitly: `ipaddress.is_global` differs
between Python versions (3.11 calls 64:ff9b::a00:1 global)."""

_NAT64 = _V6("64:ff9b::/96")
_NAT64_LOCAL = _V6("64:ff9b:1::/48")
_SIX_TO_FOUR = _V6("2002::/16")

DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "toolbridge_deadline", default=None
)
"""`time.monotonic()` by which the current sync attempt must be over (set by the driver)."""


class AddressBlocked(Exception):
    """The network policy refused a target. Raised inside the transport, mapped to
    `blocked` by the drivers; the message names the reason, never a secret."""


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _V6("::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why `ip` may not be dialled, or None when it may."""
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            candidates.append(inner)
    for candidate in candidates:
        if any(candidate in net for net in ALWAYS_REFUSED if net.version == candidate.version):
            return f"{ip} is a link-local or cloud-metadata address"
    if allow_private:
        return None
    if ip in _NAT64_LOCAL:
        return f"{ip} is a local-use NAT64 address"
    for candidate in candidates:
        if any(candidate in net for net in PRIVATE if net.version == candidate.version):
            return f"{ip} is a loopback, private or otherwise non-public address"
    return None


def parse_ip(host: str) -> IPAddress | None:
    """`host` as an IP address if it spells one, in any form the resolver accepts
    (`2130706433`, `0x7f.1`, `127.1`, `[::ffff:7f00:1]`); None for a DNS name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        # inet_aton takes the legacy shorthand forms the C resolver also takes.
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (blocking), in the resolver's order."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def aresolve(host: str, port: int) -> list[str]:
    """`resolve` without blocking the event loop."""
    infos = await anyio.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """What a call may reach. Every check raises `AddressBlocked` or returns quietly."""

    allow_private: bool = True
    """False also refuses loopback, private, CGNAT and other non-public addresses."""
    https_only: bool = False
    """Refuse plain-http URLs."""

    def check_url(self, url: str) -> None:
        """The checks that need no DNS: scheme, and a host that is an IP literal."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise AddressBlocked(f"scheme {parts.scheme!r} is not allowed")
        if self.https_only and parts.scheme != "https":
            raise AddressBlocked("plain http is not allowed (https_only)")
        ip = parse_ip(parts.hostname or "")
        if ip is not None:
            self.check_addresses([str(ip)])

    def check_addresses(self, addresses: Iterable[str]) -> list[str]:
        """All of `addresses` must pass: one bad answer refuses the host (a name that
        resolves to a public and a private address is a rebinding attempt)."""
        checked = []
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            problem = address_problem(ip, allow_private=self.allow_private)
            if problem is not None:
                raise AddressBlocked(problem)
            checked.append(address)
        if not checked:
            raise AddressBlocked("the host resolved to no address")
        return checked


def _clamp(timeout: float | None, expired: type[Exception] = httpcore2.ReadTimeout
           ) -> float | None:
    """`timeout` shortened to what is left before the attempt's deadline."""
    deadline = DEADLINE.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the call's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore2.NetworkStream):
    """A sync stream whose every read and write ends by the attempt's deadline.

    `read` and `write` do `_clamp`'s work inline: they run several times per request."""

    def __init__(self, stream: httpcore2.NetworkStream) -> None:
        self._stream = stream
        self._read = stream.read
        self._write = stream.write
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        deadline = DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise httpcore2.ReadTimeout("the call's deadline has passed")
            if timeout is None or left < timeout:
                timeout = left
        return self._read(max_bytes, timeout)  # type: ignore[no-any-return]

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return  # httpcore2 writes empty chunks at a request's end; sending one is a no-op
        deadline = DEADLINE.get()
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise httpcore2.WriteTimeout("the call's deadline has passed")
            if timeout is None or left < timeout:
                timeout = left
        self._write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore2.NetworkStream:
        timeout = _clamp(timeout, httpcore2.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))



class GuardedBackend(httpcore2.NetworkBackend):
    """Resolve, check every address, dial a checked IP (sync). `inner` and `resolver` are
    injectable so tests can prove a refused address is never dialled."""

    def __init__(self, policy: NetworkPolicy, inner: httpcore2.NetworkBackend | None = None,
                 resolver: Resolver = resolve) -> None:
        self.policy = policy
        self._inner = inner if inner is not None else httpcore2.SyncBackend()
        self._resolve = resolver

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        try:
            addresses = self.policy.check_addresses(self._resolve(host, port))
        except OSError as exc:  # socket.gaierror: the name does not resolve
            raise httpcore2.ConnectError(f"cannot resolve host: {exc.strerror or exc}") from None
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(
                    address, port, _clamp(timeout, httpcore2.ConnectTimeout), local_address,
                    socket_options,
                )
            except httpcore2.ConnectError as exc:  # try the next checked address
                error = exc
                continue
            return _DeadlineStream(stream)
        assert error is not None
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore2.NetworkStream:
        raise AddressBlocked("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class AsyncGuardedBackend(httpcore2.AsyncNetworkBackend):
    """`GuardedBackend` for asyncio/trio. The deadline is enforced by the async driver
    (it cancels the task), so streams are not wrapped."""

    def __init__(self, policy: NetworkPolicy, inner: httpcore2.AsyncNetworkBackend | None = None,
                 resolver: Callable[[str, int], Any] = aresolve) -> None:
        self.policy = policy
        self._inner = inner if inner is not None else httpcore2.AnyIOBackend()
        self._resolve = resolver

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore2.AsyncNetworkStream:
        try:
            addresses = self.policy.check_addresses(await self._resolve(host, port))
        except OSError as exc:
            raise httpcore2.ConnectError(f"cannot resolve host: {exc.strerror or exc}") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore2.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore2.AsyncNetworkStream:
        raise AddressBlocked("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _host_port(url: str) -> tuple[str, int, bool]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    return host, port, parse_ip(host) is not None


def precheck(policy: NetworkPolicy, url: str, *, resolve_names: bool) -> None:
    """The check for a client we did not build (we cannot see what it dials).

    DNS-rebinding caveat: the client resolves the name again when it connects, and a
    hostile DNS server can answer differently the second time. Only our own clients
    (`GuardedBackend`) check the address actually dialled; pass `allow_private=False`
    with our clients when action authors are not trusted.
    """
    policy.check_url(url)
    host, port, literal = _host_port(url)
    if literal or not resolve_names:
        return
    try:
        addresses = resolve(host, port)
    except OSError:
        return  # unresolvable here: the client's own connect fails the same way
    policy.check_addresses(addresses)


async def aprecheck(policy: NetworkPolicy, url: str, *, resolve_names: bool) -> None:
    """`precheck` without blocking the event loop."""
    policy.check_url(url)
    host, port, literal = _host_port(url)
    if literal or not resolve_names:
        return
    try:
        addresses = await aresolve(host, port)
    except OSError:
        return
    policy.check_addresses(addresses)
