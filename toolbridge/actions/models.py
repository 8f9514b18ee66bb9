"""The action file format as pydantic models: pure data, no I/O.

An `Action` describes one HTTP call and the `Variable`s the model must supply. The
attribute docstrings below become the descriptions in the published action-file JSON
Schema (`toolbridge schema --format-schema`), so they are written for action authors.
Semantic checks that need the whole action (placeholders, path parameters, secrets)
live in `checks.py`; these models only hold shapes and simple field rules.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

VariableType = Literal[
    "string", "integer", "float", "number", "boolean", "date", "datetime", "email", "phone",
    "array", "object",
]
HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", use_attribute_docstrings=True, frozen=True, populate_by_name=True,
        defer_build=True,
    )


class Variable(_Model):
    """A value the call needs: from the model, the session context, or a constant."""

    name: str
    """Name used in `{{name}}` / `{name}` placeholders and as the tool parameter name."""
    type: VariableType = "string"
    """Value type. `number` is an alias of `float`; `phone` is normalised to E.164."""
    description: str = ""
    """What the value is, written for the model (and shown to users asked for it)."""
    example: Any = None
    """A realistic example value; shown to the model."""
    required: bool = False
    """The call cannot be made without it; the model must ask the user if it is missing."""
    default: Any = None
    """Used when the model leaves an optional variable out (or sends null)."""
    enum: list[Any] | None = None
    """The only allowed values."""
    pattern: str | None = None
    """A regular expression string values must match (searched, anchor it with ^...$)."""
    minimum: float | None = None
    """Smallest allowed number."""
    maximum: float | None = None
    """Largest allowed number."""
    min_length: int | None = Field(default=None, ge=0)
    """Shortest allowed string (or array)."""
    max_length: int | None = Field(default=None, ge=0)
    """Longest allowed string (or array)."""
    items: Variable | None = None
    """For `type: array`: the type of each element (its name is ignored)."""
    properties: list[Variable] | None = None
    """For `type: object`: the fields of the object."""
    source: Literal["model", "context", "constant"] = "model"
    """`model`: collected by the model; `context`: from the session context, never shown to
    the model; `constant`: the fixed `value`."""
    value: Any = None
    """The value of a `source: constant` variable."""

    @property
    def base_type(self) -> str:
        """The canonical type name (`number` folds into `float`)."""
        return "float" if self.type == "number" else self.type


class Auth(_Model):
    """How the call authenticates. Secret fields name secrets, never hold their values."""

    type: Literal["none", "bearer", "basic", "header", "query", "body"] = "none"
    """Auth scheme."""
    secret: str | None = None
    """Secret name for bearer/header/query/body auth."""
    username: str | None = None
    """Secret name holding the basic-auth username."""
    password: str | None = None
    """Secret name holding the basic-auth password."""
    name: str | None = None
    """Header name (`header`), query parameter (`query`) or body field (`body`)."""


class RequestSpec(_Model):
    """The HTTP request template."""

    method: HttpMethod = "GET"
    """HTTP method."""
    url: str
    """Path (joined to `base_url`) or absolute URL. `{name}` marks a path parameter;
    the scheme, host and port are never templated."""
    query: dict[str, str] = Field(default_factory=dict)
    """Query parameters; values may use `{{name}}` placeholders."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers; values may use `{{name}}` and `{{secrets.NAME}}` placeholders."""
    body: Any = None
    """Request body: a JSON value (placeholders keep their type when they are the whole
    value), or a string template for xml/text bodies."""
    body_format: Literal["json", "form", "xml", "text"] = "json"
    """How the body is encoded and sent."""


class Output(_Model):
    """What of the response the model sees."""

    select: list[str] | None = None
    """Dotted paths to keep (`items[].name` reaches into lists). Everything else is dropped."""
    redact: list[str] = Field(default_factory=list)
    """Dotted paths whose values are masked."""
    max_chars: int = Field(default=2000, gt=0)
    """Cap on the size of the result the model sees."""
    max_items: int = Field(default=10, gt=0)
    """Lists longer than this are cut, with a note of how many were dropped."""
    max_string: int = Field(default=500, gt=0)
    """Strings longer than this are shortened, with a note."""


class Outcome(_Model):
    """A named result, chosen by the first condition that matches."""

    name: str
    """Outcome name reported in the result."""
    when: str
    """Condition, e.g. `status == 404`, `status in [500, 503]`, `body.state == "shipped"`."""
    guidance: str | None = None
    """Instruction for the model when this outcome happens; overrides the default."""
    ok: bool | None = None
    """Force success or failure; by default 2xx/3xx are success."""


class Settings(_Model):
    """Execution limits."""

    timeout_ms: int = Field(default=10_000, gt=0)
    """Deadline for one attempt: connect, headers and the whole body."""
    retries: int = Field(default=2, ge=0, le=10)
    """Extra attempts on connection errors, 429 and 502/503/504 (idempotent calls only)."""
    retry_backoff_ms: int = Field(default=500, ge=0)
    """Base of the exponential backoff between attempts."""
    retry_after_cap_ms: int = Field(default=30_000, ge=0)
    """Longest `Retry-After` wait honoured; above it the call returns `unavailable` at once."""
    max_response_bytes: int = Field(default=1_000_000, gt=0)
    """Decoded response size cap; larger responses end with `response_too_large`."""


class Safety(_Model):
    """Gates and limits around the call."""

    requires_confirmation: bool | None = None
    """Pause for an explicit confirmation from the host application before sending."""
    requires_identity_verification: bool = False
    """Refuse unless the session context has `identity_verified: true`."""
    idempotency_key: str | None = None
    """Template for an `Idempotency-Key` header (e.g. `{{conversation_id}}-refund`); makes
    non-idempotent methods retryable. The same key is sent on every retry."""
    rate_limit: str | None = Field(
        default=None, pattern=r"^\s*\d+\s*/\s*(second|minute|hour|day)\s*$"
    )
    """At most N calls per period in this process, e.g. `30/minute`."""
    audit: Literal["off", "basic", "full"] = "basic"
    """Audit event detail: `full` also records the (redacted) arguments."""


class Action(_Model):
    """One HTTP call the model can make."""

    name: str = Field(pattern=NAME_PATTERN)
    """Tool name: letters, digits, `_` and `-`, at most 64 characters, unique in a toolkit."""
    description: str = ""
    """What the action does and when to use it, written for the model."""
    kind: Literal["read", "write"] | None = None
    """`read` or `write`; defaults to read for GET/HEAD and write otherwise."""
    trigger: Literal["on_prompt", "on_chat_end"] = "on_prompt"
    """`on_prompt`: the model calls it; `on_chat_end`: run by `session.end()`."""
    base_url: str | None = None
    """Scheme and host (and optional base path) the `url` is joined to."""
    request: RequestSpec
    """The HTTP request."""
    auth: Auth = Field(default_factory=Auth)
    """Authentication."""
    variables: list[Variable] = Field(default_factory=list)
    """Values the request needs."""
    output: Output | None = None
    """What of the response the model sees; a small default applies when absent."""
    outcomes: list[Outcome] = Field(default_factory=list)
    """Named outcomes, first match wins."""
    settings: Settings = Field(default_factory=Settings)
    """Timeouts, retries and size caps."""
    safety: Safety = Field(default_factory=Safety)
    """Confirmation, identity, idempotency and rate limits."""
    guidance: dict[str, str] = Field(default_factory=dict)
    """Per-error-code guidance overrides, e.g. `{not_found: "Ask for the order number again."}`."""

    @model_validator(mode="after")
    def _default_kind(self) -> Action:
        if self.kind is None:
            kind = "read" if self.request.method in ("GET", "HEAD") else "write"
            object.__setattr__(self, "kind", kind)
        return self

    @property
    def needs_confirmation(self) -> bool:
        """Writes need no confirmation unless asked; `requires_confirmation` decides."""
        return bool(self.safety.requires_confirmation)

    def variable(self, name: str) -> Variable | None:
        return next((v for v in self.variables if v.name == name), None)

    @property
    def model_variables(self) -> list[Variable]:
        """The variables the model supplies: the ones that appear in tool schemas."""
        return [v for v in self.variables if v.source == "model"]

    def _repr_html_(self) -> str:
        from ..display import to_html

        return to_html(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        from ..display import pretty

        pretty(self, printer, cycle)


class Defaults(_Model):
    """Values every action in the file inherits unless it sets its own."""

    base_url: str | None = None
    """Default `base_url`."""
    timeout_ms: int | None = Field(default=None, gt=0)
    """Default `settings.timeout_ms`."""
    retries: int | None = Field(default=None, ge=0, le=10)
    """Default `settings.retries`."""
    retry_backoff_ms: int | None = Field(default=None, ge=0)
    """Default `settings.retry_backoff_ms`."""
    max_response_bytes: int | None = Field(default=None, gt=0)
    """Default `settings.max_response_bytes`."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Headers added to every request (an action's own headers win)."""
    auth: Auth | None = None
    """Auth for actions that set none."""


class ActionFile(_Model):
    """An action file: a version, shared defaults and the actions."""

    version: Literal[1] = 1
    """File format version."""
    defaults: Defaults = Field(default_factory=Defaults)
    """Shared defaults."""
    actions: list[Action] = Field(default_factory=list)
    """The actions."""
