"""`Toolkit`: the facade over a set of actions. It delegates every decision.

Loading and checking live in `actions/`, schemas in `schemas/`, argument checking in
`arguments.py`, execution in `execution/`. The toolkit holds the compiled pieces
(one argument checker per action, built once) and wires them together.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .actions.models import Action, Defaults
from .errors import ActionFileError, Problem
from .results import Checked, RequestSummary, ToolResult
from .secrets import SecretStore

if TYPE_CHECKING:
    import httpx2

    from .actions.loading import LoadedFile
    from .arguments import ArgumentChecker
    from .execution import Executor
    from .execution.ratelimit import RateLimiter

Arguments = str | Mapping[str, Any] | None


class Toolkit:
    """A checked set of actions: tool schemas, argument checks and supervised calls.

    Args:
        actions: the actions (already merged with file defaults when loaded from a file).
        defaults: shared defaults for actions built in Python.
        secrets: a mapping of secret name → value; checked before the environment.
        env_file: a `.env` file to read secrets from (python-dotenv); never modifies
            `os.environ`.
        client / async_client: your own `httpx2` clients (custom transports, proxies, vcrpy).
        allow_private: False refuses loopback/private targets too (cloud metadata and
            link-local are always refused).
        https_only: refuse plain-http targets.
        audit: a callback receiving every audit event (they also go to the
            `toolbridge.audit` logger).
        confirmation_key: HMAC key for confirmation tokens; pass the same bytes to every
            process that may confirm a call another one paused (default: random).
        rate_limiter: a shared `RateLimiter` for multi-process deployments (default: in
            process).
        timezone: IANA name for `{{timezone}}` and `{{current_date}}` (default UTC; a
            string `context["timezone"]` wins for one call).
    """

    def __init__(
        self,
        actions: Iterable[Action],
        *,
        defaults: Defaults | None = None,
        secrets: Mapping[str, str] | None = None,
        env_file: str | os.PathLike[str] | None = None,
        client: httpx2.Client | None = None,
        async_client: httpx2.AsyncClient | None = None,
        allow_private: bool = True,
        https_only: bool = False,
        audit: Callable[[dict[str, Any]], None] | None = None,
        confirmation_key: bytes | None = None,
        rate_limiter: RateLimiter | None = None,
        timezone: str = "UTC",
        source: str | None = None,
        _loaded: LoadedFile | None = None,
    ) -> None:
        # Loading, checking and the argument compiler are imported on first use, so
        # `import toolbridge` stays light (YAML, regex tables, pydantic-core schemas).
        from .actions.loading import apply_defaults, check_actions
        from .arguments import ArgumentChecker

        self.warnings: list[Problem]
        if _loaded is not None:  # from_file/from_dict: the loader already checked, with lines
            merged, self.warnings = list(_loaded.actions), list(_loaded.warnings)
        else:
            merged = [apply_defaults(a, defaults) if defaults else a for a in actions]
            problems = check_actions(merged, file=source)
            errors = [p for p in problems if p.severity == "error"]
            if errors:
                raise ActionFileError(errors)
            self.warnings = problems
        self.source = source
        self._actions: dict[str, Action] = {a.name: a for a in merged}
        self._checkers: dict[str, ArgumentChecker] = {a.name: ArgumentChecker(a) for a in merged}
        self._tools_cache: dict[tuple[str, bool], list[dict[str, Any]]] = {}
        self.secrets = SecretStore(secrets, env_file=env_file)
        self._executor_options: dict[str, Any] = {
            "client": client,
            "async_client": async_client,
            "allow_private": allow_private,
            "https_only": https_only,
            "audit": audit,
            "confirmation_key": confirmation_key,
            "rate_limiter": rate_limiter,
            "timezone": timezone,
        }
        self._executor: Executor | None = None

    # -- construction ---------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **options: Any) -> Toolkit:
        """Load a YAML or JSON action file; raises `ActionFileError` listing every problem."""
        from .actions.loading import load_file

        loaded = load_file(path)
        return cls(loaded.actions, source=str(Path(path)), _loaded=loaded, **options)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, source: str | None = None, **options: Any
    ) -> Toolkit:
        """Build from the parsed contents of an action file."""
        from .actions.loading import load_dict

        loaded = load_dict(data, source=source)
        return cls(loaded.actions, source=source, _loaded=loaded, **options)

    # -- the actions ----------------------------------------------------------------

    @property
    def actions(self) -> list[Action]:
        return list(self._actions.values())

    def __getitem__(self, name: str) -> Action:
        return self._actions[name]

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def __iter__(self) -> Iterator[Action]:
        return iter(self._actions.values())

    def __len__(self) -> int:
        return len(self._actions)

    def __repr__(self) -> str:
        return f"Toolkit({len(self._actions)} actions: {', '.join(self._actions)})"

    def _repr_html_(self) -> str:
        from .display import to_html

        return to_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from .display import pretty

        pretty(self, printer, cycle)

    # -- schemas and checks ---------------------------------------------------------

    def tools(self, provider: str = "openai", *, strict: bool = True) -> list[dict[str, Any]]:
        """The `tools=` list for `provider`: openai, openai-responses, anthropic or mcp.

        Only `trigger: on_prompt` actions are offered to the model.
        """
        key = (provider, strict)
        if key not in self._tools_cache:
            from .schemas import build_tools

            offered = [a for a in self._actions.values() if a.trigger == "on_prompt"]
            self._tools_cache[key] = build_tools(offered, provider, strict=strict)
        # A fresh outer list each time, so callers may append their own tools.
        return list(self._tools_cache[key])

    def check(self, name: str, arguments: Arguments) -> Checked:
        """Parse and validate the model's arguments without sending anything."""
        checker = self._checkers.get(name)
        if checker is None:
            from .arguments import unknown_tool

            offered = [a.name for a in self._actions.values() if a.trigger == "on_prompt"]
            return Checked(name, {}, unknown_tool(name, offered))
        return checker.check(arguments)

    # -- execution ------------------------------------------------------------------

    @property
    def executor(self) -> Executor:
        if self._executor is None:
            from .execution import Executor

            self._executor = Executor(secrets=self.secrets, **self._executor_options)
        return self._executor

    def call(
        self,
        name: str,
        arguments: Arguments,
        *,
        context: Mapping[str, Any] | None = None,
        confirm: str | None = None,
    ) -> ToolResult:
        """Check, gate, render, send, and return the pruned result (or guidance).

        `confirm` is the token from a `needs_confirmation` result, passed back by the host
        once the user has agreed; the model's arguments can never confirm.
        """
        values = self._values(name, arguments, context)
        if isinstance(values, ToolResult):
            return values
        executor = self._executor or self.executor
        return executor.call(self._actions[name], values, context or {}, confirm)

    async def acall(
        self,
        name: str,
        arguments: Arguments,
        *,
        context: Mapping[str, Any] | None = None,
        confirm: str | None = None,
    ) -> ToolResult:
        """`call()` for asyncio code."""
        values = self._values(name, arguments, context)
        if isinstance(values, ToolResult):
            return values
        executor = self._executor or self.executor
        return await executor.acall(self._actions[name], values, context or {}, confirm)

    def _values(self, name: str, arguments: Arguments,
                context: Mapping[str, Any] | None) -> dict[str, Any] | ToolResult:
        """`check()` as `call` and `acall` need it: the clean values, or the audited
        problem result."""
        checker = self._checkers.get(name)
        values = checker.fast_values(arguments) if checker is not None else None
        if values is not None:
            return values  # the common case: no `Checked` built
        checked = self.check(name, arguments)
        if checked.problem is not None:
            return self.executor.refused(checked.problem, context)
        return checked.values

    def describe(
        self, name: str, arguments: Arguments, *, context: Mapping[str, Any] | None = None
    ) -> RequestSummary | ToolResult:
        """The exact request a call would send (secrets masked), without sending it."""
        checked = self.check(name, arguments)
        if checked.problem is not None:
            return checked.problem
        return self.executor.describe(self._actions[name], checked.values, context or {})

    def confirmation_token(
        self, name: str, arguments: Arguments, *, context: Mapping[str, Any] | None = None
    ) -> str | None:
        """Host side: mint the token that confirms this exact call (None if args are bad)."""
        checked = self.check(name, arguments)
        if checked.problem is not None:
            return None
        return self.executor.confirmation_token(self._actions[name], checked.values, context or {})

    def close(self) -> None:
        """Close the HTTP clients this toolkit created (not ones you passed in)."""
        if self._executor is not None:
            self._executor.close()

    async def aclose(self) -> None:
        """Close the sync client and this event loop's async client (ours, not yours)."""
        if self._executor is not None:
            await self._executor.aclose()

    async def __aenter__(self) -> Toolkit:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __enter__(self) -> Toolkit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
