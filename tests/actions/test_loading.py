"""Loading action files: parsing, line numbers, every problem at once, defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from toolbridge.actions.loading import apply_defaults, load_dict, load_file
from toolbridge.actions.models import Action, Auth, Defaults, RequestSpec, Settings
from toolbridge.errors import ActionFileError, Problem

SEVERAL_PROBLEMS = """\
version: 1
defaults:
  base_url: https://api.example.test
actions:
  - name: create_ticket
    description: Open a support ticket for the customer.
    request:
      method: POST
      url: /queues/{queue}/tickets
      body:
        title: "{{title}}"
        priority: "{{priority}}"
    auth: {type: bearer}
    variables:
      - name: title
        description: Short title of the problem
        required: true
      - name: queue
        source: context
        required: true
      - name: ref
        description: The customer's reference
        pattern: "([a-z"
  - name: lookup order
    description: Look up an order by its order number.
    request: {method: FETCH, url: /orders}
"""


def write(tmp_path: Path, text: str, name: str = "actions.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_problems(path: str) -> list[Problem]:
    with pytest.raises(ActionFileError) as caught:
        load_file(path)
    return caught.value.problems


def find(problems: list[Problem], field: str) -> Problem:
    matches = [p for p in problems if p.field == field]
    assert len(matches) == 1, f"{field}: {problems}"
    return matches[0]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, SEVERAL_PROBLEMS)

    problems = load_problems(path)

    assert len(problems) == 6
    assert all(p.file == path for p in problems)
    body = find(problems, "request.body")
    assert (body.action, body.line) == ("create_ticket", 12)
    assert body.message == "body uses {{priority}} but no variable 'priority' is defined"
    secret = find(problems, "auth.secret")
    assert (secret.action, secret.line) == ("create_ticket", 13)
    assert "bearer auth needs secret" in secret.message
    required = find(problems, "variables[1].required")
    assert (required.action, required.line) == ("create_ticket", 20)
    assert "use source: model, or drop required" in required.message
    pattern = find(problems, "variables[2].pattern")
    assert pattern.line == 23 and "invalid regular expression" in pattern.message
    name = find(problems, "name")
    assert (name.action, name.line) == ("lookup order", 24)
    method = find(problems, "request.method")
    assert (method.action, method.line) == ("lookup order", 26)
    assert "'FETCH' should be 'GET'" in method.message


def test_error_message_names_file_line_action_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, SEVERAL_PROBLEMS)

    with pytest.raises(ActionFileError) as caught:
        load_file(path)

    assert (
        f"{path}:12: action 'create_ticket': request.body: body uses {{{{priority}}}} but no"
        " variable 'priority' is defined"
    ) in str(caught.value)
    assert str(caught.value).startswith("6 problems in action definitions:")


def test_problems_are_listed_in_file_order(tmp_path: Path) -> None:
    problems = load_problems(write(tmp_path, SEVERAL_PROBLEMS))

    lines = [p.line for p in problems]

    assert lines == sorted(lines)


def test_unknown_field_suggests_the_close_one(tmp_path: Path) -> None:
    text = """\
actions:
  - name: ping
    description: Check that the service answers at all.
    request:
      url: https://api.example.test/ping
      heders: {Accept: text/plain}
"""
    problem = load_problems(write(tmp_path, text))[0]

    assert (problem.field, problem.line) == ("request.heders", 6)
    assert problem.message == "unknown field (did you mean 'headers'?)"


def test_unnamed_action_is_located_by_its_index(tmp_path: Path) -> None:
    text = "actions:\n  - description: Has no name at all, so it cannot be called.\n"

    problems = load_problems(write(tmp_path, text))

    assert [(p.action, p.field, p.line) for p in problems] == [
        (None, "actions[0].name", 2),
        (None, "actions[0].request", 2),
    ]
    assert problems[0].message == "is required"


def test_bad_yaml_syntax_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "actions:\n  - name: ping\n    request: {url: /x\n")

    problem = load_problems(path)[0]

    assert problem.file == path
    assert problem.line == 4
    assert problem.message.startswith("invalid YAML:")


def test_bad_json_syntax_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "actions": [\n    {"name": "ping",}\n  ]\n}\n', "actions.json")

    problem = load_problems(path)[0]

    assert (problem.file, problem.line) == (path, 3)
    assert problem.message.startswith("invalid JSON:")


def test_unreadable_file_is_an_action_file_error(tmp_path: Path) -> None:
    path = str(tmp_path / "missing.yaml")

    problem = load_problems(path)[0]

    assert problem.file == path
    assert problem.message.startswith("cannot read file:")


def test_empty_file_says_what_is_expected(tmp_path: Path) -> None:
    problem = load_problems(write(tmp_path, "# nothing yet\n"))[0]

    assert "the file is empty" in problem.message


def test_top_level_list_is_refused(tmp_path: Path) -> None:
    problem = load_problems(write(tmp_path, "- name: ping\n"))[0]

    assert "the file is a list" in problem.message


def test_duplicate_yaml_keys_are_errors(tmp_path: Path) -> None:
    text = """\
actions:
  - name: ping
    description: Check that the service answers at all.
    request:
      url: https://api.example.test/ping
      url: https://api.example.test/health
"""
    problem = load_problems(write(tmp_path, text))[0]

    assert (problem.field, problem.line) == ("actions[0].request.url", 6)
    assert "duplicate key 'url'" in problem.message


def test_json_files_load_by_extension(tmp_path: Path) -> None:
    data = {
        "actions": [
            {
                "name": "ping",
                "description": "Check that the service answers.",
                "request": {"url": "https://api.example.test/ping"},
            }
        ]
    }
    path = write(tmp_path, json.dumps(data), "actions.json")

    loaded = load_file(path)

    assert [a.name for a in loaded.actions] == ["ping"]


def test_yaml_dates_and_yes_no_stay_strings(tmp_path: Path) -> None:
    text = """\
actions:
  - name: book
    description: Book a table at the restaurant for the customer.
    request: {method: POST, url: "https://api.example.test/bookings", body: {day: "{{day}}"}}
    variables:
      - {name: day, type: date, description: Day of the booking, example: 2026-01-05}
      - {name: answer, description: Whether they agree, enum: [yes, no]}
"""
    loaded = load_file(write(tmp_path, text))

    day, answer = loaded.actions[0].variables
    assert day.example == "2026-01-05"
    assert answer.enum == ["yes", "no"]


def test_numbers_and_booleans_in_query_and_headers_become_text() -> None:
    data = {
        "defaults": {"headers": {"X-Version": 2}},
        "actions": [
            {
                "name": "list_items",
                "description": "List the items in the catalogue.",
                "request": {
                    "url": "https://api.example.test/items",
                    "query": {"limit": 10, "active": True},
                },
            }
        ],
    }

    action = load_dict(data).actions[0]

    assert action.request.query == {"limit": "10", "active": "true"}
    assert action.request.headers == {"X-Version": "2"}


def test_load_dict_has_no_line_numbers_but_names_the_source() -> None:
    data = {
        "actions": [
            {
                "name": "ping",
                "description": "Check the service answers at all.",
                "request": {"url": "/ping"},
            }
        ]
    }

    with pytest.raises(ActionFileError) as caught:
        load_dict(data, source="inline")

    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == ("inline", None, "request.url")
    assert "relative but no base_url is set" in problem.message


def test_inherited_bad_base_url_is_reported_once_on_defaults() -> None:
    ping = {"description": "Check that the service answers.", "request": {"url": "/ping"}}
    data = {
        "defaults": {"base_url": "ftp://files.example.test"},
        "actions": [{"name": "a", **ping}, {"name": "b", **ping}],
    }

    with pytest.raises(ActionFileError) as caught:
        load_dict(data)

    assert [(p.action, p.field) for p in caught.value.problems] == [(None, "defaults.base_url")]


def test_warnings_do_not_stop_loading() -> None:
    data = {"actions": [{"name": "ping", "request": {"url": "https://api.example.test/ping"}}]}

    loaded = load_dict(data)

    assert [(w.field, w.severity) for w in loaded.warnings] == [("description", "warning")]


# -- apply_defaults -------------------------------------------------------------------


def make_action(**fields: object) -> Action:
    return Action.model_validate({"name": "ping", "request": {"url": "/ping"}, **fields})


def test_defaults_fill_only_what_the_action_did_not_set() -> None:
    action = make_action(
        settings={"retries": 0}, request={"url": "/ping", "headers": {"accept": "text/plain"}}
    )
    defaults = Defaults(
        base_url="https://api.example.test",
        timeout_ms=3000,
        retries=5,
        headers={"Accept": "application/json", "X-Client": "bot"},
    )

    merged = apply_defaults(action, defaults)

    assert merged.base_url == "https://api.example.test"
    assert (merged.settings.timeout_ms, merged.settings.retries) == (3000, 0)
    assert merged.request.headers == {"X-Client": "bot", "accept": "text/plain"}


def test_default_auth_applies_unless_the_action_sets_auth_even_none() -> None:
    defaults = Defaults(auth=Auth(type="bearer", secret="API_TOKEN"))

    inherits = apply_defaults(make_action(), defaults)
    opts_out = apply_defaults(make_action(auth={"type": "none"}), defaults)

    assert inherits.auth.secret == "API_TOKEN"
    assert opts_out.auth.type == "none"


def test_apply_defaults_with_nothing_to_add_returns_the_same_action() -> None:
    action = Action(
        name="ping",
        base_url="https://a.example.test",
        request=RequestSpec(url="/"),
        settings=Settings(timeout_ms=100),
    )

    assert apply_defaults(action, Defaults(timeout_ms=5)) is action


def test_toolkit_from_file_lists_each_warning_once(tmp_path: Path) -> None:
    from toolbridge.toolkit import Toolkit

    text = "actions:\n  - name: ping\n    request: {url: https://api.example.test/ping}\n"

    toolkit = Toolkit.from_file(write(tmp_path, text))

    assert [(w.field, w.line) for w in toolkit.warnings] == [("description", 2)]


def test_unknown_top_level_key_suggests_the_close_one(tmp_path: Path) -> None:
    problem = load_problems(write(tmp_path, "version: 1\naction:\n  - name: ping\n"))[0]

    assert (problem.field, problem.line) == ("action", 2)
    assert problem.message == "unknown field (did you mean 'actions'?)"


def test_file_with_no_actions_loads_with_a_warning(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "version: 1\nactions:\n"))

    assert loaded.actions == []
    assert [w.message for w in loaded.warnings] == ["the file defines no actions"]
