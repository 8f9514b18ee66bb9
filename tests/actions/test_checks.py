"""Load-time semantic checks: each rule named by its field and message."""

from __future__ import annotations

from typing import Any

import pytest

from toolbridge.actions.checks import check_actions
from toolbridge.actions.loading import load_dict
from toolbridge.actions.models import Action, RequestSpec, Variable
from toolbridge.actions.report import field_name
from toolbridge.errors import ActionFileError, Problem

DESCRIPTION = "Open a support ticket for the customer."


def action(**fields: Any) -> dict[str, Any]:
    """A valid POST action; `request` fields merge into the default request."""
    request = {"method": "POST", "url": "/tickets", **fields.pop("request", {})}
    return {
        "name": "create_ticket",
        "description": DESCRIPTION,
        "base_url": "https://api.example.test",
        "request": request,
        **fields,
    }


def var(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": f"The {name} of the ticket", **fields}


def errors(*actions: dict[str, Any], **top: Any) -> list[Problem]:
    with pytest.raises(ActionFileError) as caught:
        load_dict({"actions": list(actions), **top}, source="actions.yaml")
    return caught.value.problems


def only(*actions: dict[str, Any], **top: Any) -> Problem:
    problems = errors(*actions, **top)
    assert len(problems) == 1, problems
    return problems[0]


def warnings(*actions: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(w.field, w.message) for w in load_dict({"actions": list(actions)}).warnings]


def test_field_name_formats_paths() -> None:
    assert field_name(("variables", 2, "default")) == "variables[2].default"
    assert field_name(("request", "headers", "X-Id")) == "request.headers.X-Id"


# -- placeholders ----------------------------------------------------------------------


def test_unknown_body_placeholder_matches_the_documented_message() -> None:
    problem = only(
        action(
            request={"body": {"title": "{{title}}", "priority": "{{priority}}"}},
            variables=[var("title")],
        )
    )

    assert (problem.file, problem.action, problem.field) == (
        "actions.yaml",
        "create_ticket",
        "request.body",
    )
    assert problem.message == "body uses {{priority}} but no variable 'priority' is defined"
    assert str(problem) == (
        "actions.yaml: action 'create_ticket': request.body: body uses {{priority}} but no"
        " variable 'priority' is defined"
    )


@pytest.mark.parametrize(
    ("request_fields", "field", "where"),
    [
        ({"query": {"q": "{{term}}"}}, "request.query.q", "query parameter q"),
        ({"headers": {"X-Term": "{{term}}"}}, "request.headers.X-Term", "header X-Term"),
        ({"body": "<term>{{term}}</term>", "body_format": "xml"}, "request.body", "body"),
    ],
)
def test_unknown_placeholders_everywhere_they_can_appear(
    request_fields: dict[str, Any], field: str, where: str
) -> None:
    problem = only(action(request=request_fields))

    assert problem.field == field
    assert problem.message == f"{where} uses {{{{term}}}} but no variable 'term' is defined"


def test_unknown_placeholder_in_idempotency_key() -> None:
    problem = only(action(safety={"idempotency_key": "{{conversation_id}}-{{ticket_ref}}"}))

    assert problem.field == "safety.idempotency_key"
    assert "no variable 'ticket_ref' is defined" in problem.message


def test_runtime_names_and_declared_variables_need_no_declaration() -> None:
    body = {
        "at": "{{current_datetime}}",
        "day": "{{ current_date }}",
        "tz": "{{timezone}}",
        "conv": "{{conversation_id}}",
        "customer": "{{customer_id}}",
    }

    loaded = load_dict(
        {
            "actions": [
                action(request={"body": body}, variables=[var("customer_id", source="context")])
            ]
        }
    )

    assert loaded.warnings == []


def test_secrets_allowed_in_header_values_only() -> None:
    problems = errors(
        action(
            request={
                "headers": {"X-Key": "{{secrets.API_KEY}}"},
                "query": {"key": "{{secrets.API_KEY}}"},
            }
        )
    )

    assert [(p.field, p.message) for p in problems] == [
        (
            "request.query.key",
            "query parameter key uses {{secrets.API_KEY}} but secrets may"
            " only appear in header values (or be sent by auth)",
        ),
    ]


def test_placeholders_are_flat_names() -> None:
    problem = only(action(request={"body": {"id": "{{customer.id}}"}}))

    assert "placeholders are flat names: declare a variable such as 'customer_id'" in (
        problem.message
    )


def test_double_braces_in_the_url_are_an_error() -> None:
    problem = only(action(request={"url": "/tickets/{{ticket_id}}"}, variables=[var("ticket_id")]))

    assert problem.field == "request.url"
    assert "write {ticket_id} for a path parameter" in problem.message


def test_single_braces_outside_the_url_are_a_warning() -> None:
    found = warnings(action(request={"query": {"id": "{ticket_id}"}}, variables=[var("ticket_id")]))

    assert found == [
        (
            "request.query.id",
            "query parameter id contains {ticket_id}; outside the"
            " url path placeholders are written {{ticket_id}}",
        )
    ]


# -- url, path parameters, host ----------------------------------------------------------


def test_path_parameter_must_be_declared() -> None:
    problem = only(action(request={"url": "/queues/{queue}/tickets"}))

    assert problem.field == "request.url"
    assert problem.message == "url uses path parameter {queue} but no variable 'queue' is defined"


def test_optional_path_parameter_without_default_is_an_error() -> None:
    problem = only(action(request={"url": "/queues/{queue}"}, variables=[var("queue")]))

    assert "make variable 'queue' required or give it a default" in problem.message


def test_context_and_required_path_parameters_are_fine() -> None:
    url = "/customers/{customer_id}/queues/{queue}"
    variables = [var("customer_id", source="context"), var("queue", required=True)]

    loaded = load_dict({"actions": [action(request={"url": url}, variables=variables)]})

    assert loaded.actions[0].request.url == url


def test_host_is_never_templated() -> None:
    problem = only(
        action(
            request={"url": "https://{tenant}.example.test/tickets"},
            variables=[var("tenant", required=True)],
        )
    )

    assert problem.field == "request.url"
    assert problem.message.startswith("host is never templated")


def test_base_url_cannot_hold_placeholders() -> None:
    problem = only(action(base_url="https://{{region}}.example.test"))

    assert (problem.field, problem.message) == (
        "base_url",
        "host is never templated: base_url cannot contain placeholders",
    )


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("api.example.test", "must be an absolute http:// or https:// URL"),
        ("ftp://api.example.test", "must be an absolute http:// or https:// URL"),
        ("https://user:pw@api.example.test", "cannot hold credentials"),
        ("https://api.example.test/v1?key=1", "cannot have a query string"),
        ("https://api.example.test:99999", "not a valid URL"),
        # IDNA refuses the name: the client would raise on every call (a traceback).
        ("https://bad-.xn--api.example.test", "a host the HTTP client refuses: Label"),
    ],
)
def test_base_url_must_be_a_plain_http_origin(base_url: str, expected: str) -> None:
    problem = only(action(base_url=base_url))

    assert problem.field == "base_url"
    assert expected in problem.message


def test_an_absolute_url_with_a_host_the_client_refuses_is_named() -> None:
    problem = only(action(request={"url": "http://0xn--/tickets"}))

    assert problem.field == "request.url"
    assert "url has a host the HTTP client refuses" in problem.message


def test_relative_url_needs_a_base_url() -> None:
    no_base = action()
    del no_base["base_url"]

    problem = only(no_base)

    assert problem.field == "request.url"
    assert "is relative but no base_url is set" in problem.message


def test_stray_brace_in_the_path_is_an_error() -> None:
    problem = only(action(request={"url": "/tickets/{ticket-id}"}))

    assert "not a path parameter" in problem.message


# -- auth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("auth", "field", "expected"),
    [
        ({"type": "bearer"}, "auth.secret", "bearer auth needs secret"),
        ({"type": "basic", "username": "API_USER"}, "auth.password", "basic auth needs password"),
        ({"type": "header", "secret": "API_KEY"}, "auth.name", "header auth needs name"),
        ({"type": "query", "name": "key"}, "auth.secret", "query auth needs secret"),
        ({"type": "none", "secret": "API_KEY"}, "auth.secret", "not used by auth type 'none'"),
        ({"type": "bearer", "secret": "sk-live-123"}, "auth.secret", "never paste the secret"),
        ({"type": "header", "secret": "K", "name": "X Key"}, "auth.name", "not a valid header"),
    ],
)
def test_auth_fields_must_fit_the_type(auth: dict[str, str], field: str, expected: str) -> None:
    problem = only(action(auth=auth))

    assert problem.field == field
    assert expected in problem.message


def test_body_auth_needs_an_object_body() -> None:
    problem = only(
        action(
            auth={"type": "body", "secret": "API_KEY", "name": "key"},
            request={"body": "<a/>", "body_format": "xml"},
        )
    )

    assert (problem.field, problem.message) == (
        "auth.type",
        "body auth needs a JSON object or form body to add the secret to",
    )


def test_defaults_auth_problem_is_reported_once() -> None:
    problem = only(action(), action(name="close_ticket"), defaults={"auth": {"type": "bearer"}})

    assert (problem.action, problem.field) == (None, "defaults.auth.secret")


# -- headers and bodies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Host": "evil.example.test"}, "set by the HTTP client"),
        ({"X-Note": "a\r\nX-Admin: 1"}, "cannot contain line breaks"),
        ({"X Note": "a"}, "not a valid header name"),
    ],
)
def test_header_rules(headers: dict[str, str], expected: str) -> None:
    problem = only(action(request={"headers": headers}))

    assert expected in problem.message


def test_form_body_must_be_a_mapping() -> None:
    problem = only(action(request={"body": ["a"], "body_format": "form"}))

    assert problem.message == "a form body must be a mapping of field names to values"


# -- variables ---------------------------------------------------------------------------


def test_default_that_does_not_fit_its_type_is_an_error() -> None:
    problem = only(action(variables=[var("title"), var("count", type="integer", default="abc")]))

    assert (problem.field, problem.action) == ("variables[1].default", "create_ticket")
    assert problem.message.startswith("default does not fit: expected a whole number")


def test_example_that_breaks_its_pattern_is_an_error() -> None:
    problem = only(action(variables=[var("order", pattern="^ORD-[0-9]+$", example="12345")]))

    assert problem.field == "variables[0].example"
    assert "must match the pattern" in problem.message


def test_enum_values_must_have_the_declared_type() -> None:
    problem = only(action(variables=[var("level", type="integer", enum=[1, "2"])]))

    assert problem.field == "variables[0].enum[1]"
    assert "enum value does not fit" in problem.message


def test_default_outside_the_enum_is_an_error() -> None:
    problem = only(action(variables=[var("priority", enum=["low", "high"], default="mid")]))

    assert problem.field == "variables[0].default"


@pytest.mark.parametrize(
    ("variable", "field", "expected"),
    [
        (var("ref", pattern="([a-z"), "variables[0].pattern", "invalid regular expression"),
        (var("n", type="integer", pattern="^1"), "variables[0].pattern", "not integer"),
        (
            var("n", type="integer", minimum=5, maximum=1),
            "variables[0].minimum",
            "minimum 5 is greater than maximum 1",
        ),
        (var("s", min_length=5, max_length=1), "variables[0].min_length", "greater than"),
        (var("s", minimum=1), "variables[0].minimum", "apply to numbers"),
        (var("s", enum=[]), "variables[0].enum", "at least one value"),
        (var("tags", type="array"), "variables[0].type", "type array needs items"),
        (var("meta", type="object"), "variables[0].type", "type object needs properties"),
        (var("s", items={"name": "x"}), "variables[0].items", "only used with type array"),
        (var("2nd"), "variables[0].name", "must be letters, digits and _"),
        (var("k", source="constant"), "variables[0].value", "source: constant needs a value"),
        (var("k", value=3), "variables[0].value", "did you mean default?"),
        (
            var("k", source="context", required=True),
            "variables[0].required",
            "use source: model, or drop required",
        ),
        (
            var("k", source="constant", value="x", required=True),
            "variables[0].required",
            "use source: model, or drop required",
        ),
        (
            var("tags", type="array", items={"name": "t", "pattern": "("}),
            "variables[0].items.pattern",
            "invalid regular expression",
        ),
    ],
)
def test_variable_rules(variable: dict[str, Any], field: str, expected: str) -> None:
    problem = only(action(variables=[variable]))

    assert problem.field == field
    assert expected in problem.message


def test_duplicate_variable_names() -> None:
    problem = only(action(variables=[var("title"), var("title")]))

    assert (problem.field, problem.message) == (
        "variables[1].name",
        "duplicate variable name 'title'",
    )


def test_duplicate_action_names_are_reported_on_the_second() -> None:
    problems = errors(action(), action())

    assert [(p.action, p.field) for p in problems] == [("create_ticket", "name")]
    assert "duplicate action name" in problems[0].message


# -- outcomes and guidance ---------------------------------------------------------------


def test_outcome_condition_that_does_not_parse_is_an_error() -> None:
    outcomes = [{"name": "ok", "when": "status == 200"}, {"name": "gone", "when": "status = 404"}]

    problem = only(action(outcomes=outcomes))

    assert (problem.field, problem.action) == ("outcomes[1].when", "create_ticket")
    assert "'status = 404'" in problem.message


def test_guidance_keys_must_be_error_codes() -> None:
    problem = only(action(guidance={"notfound": "Ask again."}))

    assert (problem.field, problem.message) == (
        "guidance.notfound",
        "'notfound' is not an error code (did you mean 'not_found'?)",
    )


# -- warnings --------------------------------------------------------------------------


def test_short_description_is_a_warning() -> None:
    found = warnings(action(description="Tickets"))

    assert found[0][0] == "description"
    assert found[0][1].startswith("description is short (7 characters)")


def test_long_description_is_a_warning() -> None:
    found = warnings(action(description="x" * 1100))

    assert found[0][1].startswith("description is long (1100 characters")


def test_model_variable_without_description_is_a_warning() -> None:
    found = warnings(action(variables=[{"name": "title"}, {"name": "id", "source": "context"}]))

    assert found == [
        (
            "variables[0].description",
            "variable 'title' has no description; the model relies on it to ask for the value",
        )
    ]


def test_on_chat_end_with_required_model_variables_is_a_warning() -> None:
    found = warnings(action(trigger="on_chat_end", variables=[var("summary", required=True)]))

    assert found[0][0] == "trigger"
    assert "required summary may be missing" in found[0][1]


def test_delete_without_an_explicit_confirmation_choice_is_a_warning() -> None:
    unset = warnings(action(request={"method": "DELETE"}))
    chosen = warnings(action(request={"method": "DELETE"}, safety={"requires_confirmation": False}))

    assert [field for field, _ in unset] == ["safety"]
    assert chosen == []


def test_variable_named_like_a_runtime_value_is_a_warning() -> None:
    found = warnings(action(variables=[var("timezone")]))

    assert found == [
        ("variables[0].name", "variable 'timezone' hides the runtime value {{timezone}}")
    ]


# -- actions built in Python -------------------------------------------------------------


def test_check_actions_works_on_python_built_actions() -> None:
    bad = Action(
        name="refund",
        description="Refund an order that the customer returned.",
        request=RequestSpec(method="POST", url="/refunds/{order}"),
        variables=[Variable(name="amount", type="float", description="Amount")],
    )

    problems = check_actions([bad])

    assert [(p.file, p.action, p.field) for p in problems] == [
        (None, "refund", "request.url"),
        (None, "refund", "request.url"),
    ]
    assert "relative but no base_url" in problems[0].message
    assert "path parameter {order}" in problems[1].message


def test_check_actions_reports_a_bad_tool_name_built_without_validation() -> None:
    unchecked = Action.model_construct(
        name="refund order",
        description="Refund an order that the customer returned.",
        base_url="https://api.example.test",
        request=RequestSpec(url="/refunds"),
        variables=[],
        outcomes=[],
        guidance={},
        auth=Action.model_fields["auth"].get_default(call_default_factory=True),
        safety=Action.model_fields["safety"].get_default(call_default_factory=True),
        trigger="on_prompt",
        kind="read",
    )

    problems = check_actions([unchecked])

    assert [p.field for p in problems] == ["name"]
    assert "letters, digits, '_' or '-'" in problems[0].message


def test_check_actions_uses_line_lookups() -> None:
    bad = Action(
        name="refund",
        description="Refund an order that the customer returned.",
        base_url="https://api.example.test",
        request=RequestSpec(url="/r/{order}"),
    )

    problems = check_actions([bad], file="a.yaml", lines=[lambda path: 40 + len(path)])

    assert (problems[0].file, problems[0].line) == ("a.yaml", 42)
