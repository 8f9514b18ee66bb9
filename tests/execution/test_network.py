"""The network policy: address classes, the guarded backend, and end-to-end spellings.

Refused addresses other than 127.0.0.1 are only ever handed to a recording fake backend,
so a broken check would fail a test, never dial out.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import httpcore2
import httpx2
import pytest
from harness import Factory
from server import FaultServer

from toolbridge import results as r
from toolbridge.execution import network
from toolbridge.execution.network import (
    AddressBlocked,
    AsyncGuardedBackend,
    GuardedBackend,
    NetworkPolicy,
    address_problem,
    parse_ip,
)

ALWAYS = ["169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254", "100.100.100.200",
          "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"]
PRIVATE = ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
           "0.0.0.0", "::1", "::", "fc00::1", "fd12:3456::1", "::ffff:8.8.8.8",
           "::ffff:127.0.0.1", "64:ff9b::a00:1", "64:ff9b::7f00:1", "2002:c0a8:101::1",
           "2002:7f00:1::1", "::127.0.0.1", "224.0.0.1"]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize("address", ALWAYS)
def test_metadata_and_link_local_are_refused_even_when_private_is_allowed(address: str) -> None:
    problem = address_problem(ipaddress.ip_address(address), allow_private=True)

    assert problem is not None and "metadata" in problem


@pytest.mark.parametrize("address", PRIVATE)
def test_private_addresses_are_refused_only_without_allow_private(address: str) -> None:
    ip = ipaddress.ip_address(address)

    assert address_problem(ip, allow_private=False) is not None
    assert address_problem(ip, allow_private=True) is None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize("spelling", ["2130706433", "0x7f.1", "127.1", "017700000001",
                                      "[::ffff:7f00:1]", "0x7f000001"])
def test_odd_loopback_spellings_parse_to_loopback(spelling: str) -> None:
    ip = parse_ip(spelling)

    assert ip is not None and address_problem(ip, allow_private=False) is not None


def test_https_only_refuses_plain_http_urls() -> None:
    policy = NetworkPolicy(https_only=True)

    with pytest.raises(AddressBlocked, match="https_only"):
        policy.check_url("http://api.test/x")
    policy.check_url("https://api.test/x")


class RecordingBackend(httpcore2.NetworkBackend):
    """Stands in for the socket layer: records what would be dialled, dials nothing."""

    def __init__(self) -> None:
        self.dialled: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.dialled.append((host, port))
        raise httpcore2.ConnectError("fake backend does not connect")


def test_backend_refuses_when_any_resolved_address_is_refused() -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(NetworkPolicy(allow_private=False), inner,
                             resolver=lambda host, port: ["93.184.216.34", "127.0.0.1"])

    with pytest.raises(AddressBlocked):
        backend.connect_tcp("rebind.test", 443)
    assert inner.dialled == []


def test_backend_refuses_metadata_names_and_never_dials_them() -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(NetworkPolicy(allow_private=True), inner,
                             resolver=lambda host, port: ["169.254.169.254"])

    with pytest.raises(AddressBlocked, match="metadata"):
        backend.connect_tcp("metadata.test", 80)
    assert inner.dialled == []


def test_backend_dials_the_checked_ip_not_the_name() -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(NetworkPolicy(), inner,
                             resolver=lambda host, port: ["93.184.216.34", "2606:4700::1111"])

    with pytest.raises(httpcore2.ConnectError):
        backend.connect_tcp("api.test", 443)
    assert inner.dialled == [("93.184.216.34", 443), ("2606:4700::1111", 443)]


def test_unresolvable_host_is_a_connect_error() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    backend = GuardedBackend(NetworkPolicy(), RecordingBackend(), resolver=fail)

    with pytest.raises(httpcore2.ConnectError, match="cannot resolve"):
        backend.connect_tcp("nowhere.test", 80)


@pytest.mark.anyio
async def test_async_backend_refuses_before_dialling() -> None:
    dialled: list[str] = []

    class Inner(httpcore2.AsyncNetworkBackend):
        async def connect_tcp(self, host: str, port: int, *args: Any, **kw: Any) -> Any:
            dialled.append(host)
            raise httpcore2.ConnectError("no")

    async def resolver(host: str, port: int) -> list[str]:
        return ["fd00:ec2::254"]

    backend = AsyncGuardedBackend(NetworkPolicy(), Inner(), resolver=resolver)

    with pytest.raises(AddressBlocked):
        await backend.connect_tcp("metadata.test", 80)
    assert dialled == []


# -- end to end, on 127.0.0.1 only ---------------------------------------------------------


def _echo(url: str) -> list[dict[str, Any]]:
    return [{"name": "echo", "request": {"method": "GET", "url": url}}]


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "127.1",
                                  "localhost", "[::ffff:7f00:1]"])
def test_loopback_in_any_spelling_is_blocked_without_allow_private(
    make: Factory, fault_server: FaultServer, host: str
) -> None:
    url = f"http://{host}:{fault_server.port}/echo"
    harness = make(url, _echo(url), allow_private=False)

    result = harness.toolkit.call("echo", {})

    assert result.error == r.BLOCKED and result.attempts == 1
    assert fault_server.seen() == []


def test_loopback_is_reached_when_private_is_allowed(make: Factory,
                                                     fault_server: FaultServer) -> None:
    url = f"http://2130706433:{fault_server.port}/echo"
    harness = make(url, _echo(url))

    result = harness.toolkit.call("echo", {})

    assert result.ok and len(fault_server.seen("/echo")) == 1


def test_https_only_blocks_before_anything_is_sent(make: Factory,
                                                    fault_server: FaultServer) -> None:
    harness = make(fault_server.base_url, _echo("/echo"), https_only=True)

    result = harness.toolkit.call("echo", {})

    assert result.error == r.BLOCKED and result.attempts == 0
    assert fault_server.seen() == []


def test_user_client_is_checked_on_resolved_addresses_before_sending(
    make: Factory, fault_server: FaultServer
) -> None:
    url = f"http://localhost:{fault_server.port}/echo"
    with httpx2.Client() as client:
        harness = make(url, _echo(url), allow_private=False, client=client)

        result = harness.toolkit.call("echo", {})

    assert result.error == r.BLOCKED and fault_server.seen() == []


def test_user_mock_transport_triggers_no_dns_lookup(make: Factory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def no_dns(host: str, port: int) -> list[str]:
        raise AssertionError(f"looked up {host}")

    monkeypatch.setattr(network, "resolve", no_dns)
    client = httpx2.Client(transport=httpx2.MockTransport(lambda req: httpx2.Response(204)))
    harness = make("https://api.test", _echo("/echo"), allow_private=False, client=client)

    result = harness.toolkit.call("echo", {})

    assert result.ok and result.status == 204


def test_a_verdict_for_a_freed_client_is_not_inherited_by_another_at_its_address(
    fault_server: FaultServer,
) -> None:
    # The executor remembers origins a client reaches without DNS (a mock transport) by
    # id(client). CPython reuses a freed object's address, so a real client can get the
    # id of a mock one: simulated here by planting the mock client's verdict under the
    # real client's id.
    from toolbridge.execution import Executor
    from toolbridge.execution.network import precheck
    from toolbridge.secrets import SecretStore

    url = f"http://localhost:{fault_server.port}/echo"
    mock = httpx2.Client(transport=httpx2.MockTransport(lambda req: httpx2.Response(204)))
    executor = Executor(secrets=SecretStore({}), client=mock, allow_private=False)
    assert executor._precheck(mock, url, precheck) is None  # mock: no DNS, remembered
    verdict = executor._safe_origins[(id(mock), f"http://localhost:{fault_server.port}")]

    with httpx2.Client() as real:
        executor._safe_origins[(id(real), f"http://localhost:{fault_server.port}")] = verdict
        check = executor._precheck(real, url, precheck)

    assert check is not None  # the real client is checked: it resolves localhost
    with pytest.raises(network.AddressBlocked):
        check(url)
