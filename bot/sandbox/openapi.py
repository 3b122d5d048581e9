"""Check HTTP bodies against Discord's own OpenAPI description of its API.

Requests the bot sends are checked against the operation's request schema, and the sandbox's answers against
the response schema for their status, so the sandbox cannot drift into accepting or answering things Discord
would not. The description is sometimes looser than Discord's documented limits (message `content` may be
4000 characters in it); those limits are checked elsewhere.

`jsonschema` and `referencing` are development dependencies: without them, or without the description file,
`OpenApiSpec.load` returns None and callers skip the checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from bot.core.cache import cache_dir, keep, read_kept

try:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:  # pragma: no cover - exercised only where the dev extras are missing
    _HAVE_JSONSCHEMA = False
else:
    _HAVE_JSONSCHEMA = True

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

log = logging.getLogger(__name__)

SPEC_PATH: Path = Path(__file__).resolve().parents[2].parent / "shared" / "discord" / "openapi.json"

_HTTP_METHODS = frozenset({"get", "put", "post", "patch", "delete", "head", "options", "trace"})
# Media types in order of preference; multipart bodies arrive here as their parsed `payload_json`.
_JSON_MEDIA_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")
_API_PREFIX = re.compile(r"^/api(?:/v\d+)?(?=/|$)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIGITS = re.compile(r"0|[1-9][0-9]*")
_MAX_PROBLEMS = 10
_MAX_REPR = 60
_MAX_CHECKED = 4096  # bodies whose problems are remembered (see OpenApiSpec._problems)
_SNOWFLAKE_STRING = re.compile(r'"[1-9][0-9]{16,18}"')

# Two copies of the document, each registered under its own URI. Responses use the spec as written
# (Discord always answers with string ids). Requests accept integer snowflakes as well: Discord takes them,
# and discord.py sends them (allowed_mentions.users/roles, message_reference.*), which the spec's
# string-only SnowflakeType would reject.
_RESPONSE_URI = "https://discord.invalid/openapi.json"
_REQUEST_URI = "https://discord.invalid/openapi-requests.json"
_LENIENT_SNOWFLAKE: dict[str, Any] = {"type": ["string", "integer"], "format": "snowflake"}

_loaded: dict[tuple[Path, int], OpenApiSpec] = {}


class OpenApiSpec:
    """Discord's OpenAPI description, ready to match routes and check bodies."""

    def __init__(self, document: dict[str, Any], *, kept_in: Path | None = None) -> None:
        """`kept_in`: a folder where checks are remembered between processes, for this document only."""
        self._document = document
        self._kept_in = kept_in
        self._registry = (
            Registry()
            .with_resource(_RESPONSE_URI, Resource.from_contents(document, DRAFT202012))
            .with_resource(_REQUEST_URI, Resource.from_contents(_lenient_snowflakes(document), DRAFT202012))
        )
        self._routes: list[tuple[str, tuple[str, ...], frozenset[str]]] = [
            (template, _segments(template), frozenset(key for key in item if key in _HTTP_METHODS))
            for template, item in document.get("paths", {}).items()
        ]
        self._validators: dict[tuple[str, str], Draft202012Validator] = {}
        self._checked: dict[tuple[str, str, str], list[str]] = {}  # (uri, pointer, body's shape) -> problems
        self._shapes = _Shapes(document)

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> OpenApiSpec | None:
        """The description at `path`, or None when it or the validation libraries are unavailable."""
        if not _HAVE_JSONSCHEMA:
            log.info("jsonschema/referencing not installed; OpenAPI checks are off")
            return None
        try:
            resolved = path.resolve()
            key = (resolved, resolved.stat().st_mtime_ns)
        except OSError:
            log.info("No OpenAPI description at %s; OpenAPI checks are off", path)
            return None
        # Many sandboxes are made per test; parse the 1.2 MB document once per file version.
        spec = _loaded.get(key)
        if spec is None:
            text = resolved.read_bytes()
            # Checks are kept for this document and this checker: a change to either starts afresh.
            version = hashlib.sha256(text + Path(__file__).read_bytes()).hexdigest()[:24]
            spec = cls(json.loads(text), kept_in=cache_dir() / "openapi-checks" / version)
            _loaded[key] = spec
        return spec

    def match(self, method: str, path: str) -> str | None:
        """The path template serving `method path`, or None when no template has that method."""
        method = method.lower()
        path = _API_PREFIX.sub("", path.split("?", 1)[0])
        segments = tuple(unquote(segment) for segment in _segments(path))
        best: tuple[tuple[int, ...], str] | None = None
        for template, pattern, methods in self._routes:
            if method not in methods or len(pattern) != len(segments):
                continue
            rank: list[int] = []
            for expected, actual in zip(pattern, segments, strict=True):
                if _is_parameter(expected):
                    if not actual:
                        break
                    rank.append(1)
                elif expected == actual:
                    rank.append(0)
                else:
                    break
            else:
                # A literal beats a parameter at the first position where two templates differ.
                if best is None or tuple(rank) < best[0]:
                    best = (tuple(rank), template)
        return None if best is None else best[1]

    def request_problems(self, method: str, path: str, body: object) -> list[str]:
        """What is wrong with `body` as the JSON request body of `method path`; [] when nothing is."""
        method = method.lower()
        template = self.match(method, path)
        if template is None:
            return [f"{method.upper()} {path}: no such route in Discord's API description"]
        where = f"{method.upper()} {template}"
        pointer, request_body = self._follow(f"/paths/{_escape(template)}/{method}/requestBody")
        if request_body is None:
            return [] if body is None else [f"{where} takes no request body"]
        if body is None:
            return [f"{where} requires a request body"] if request_body.get("required") else []
        content = request_body.get("content") or {}
        media_type = next((media for media in _JSON_MEDIA_TYPES if media in content), None)
        if media_type is None or "schema" not in content[media_type]:
            return []
        schema_pointer = f"{pointer}/content/{_escape(media_type)}/schema"
        return self._problems(_REQUEST_URI, schema_pointer, body)

    def response_problems(self, method: str, path: str, status: int, body: object) -> list[str]:
        """What is wrong with `body` as Discord's `status` answer to `method path`; [] when nothing is."""
        method = method.lower()
        template = self.match(method, path)
        if template is None:
            return [f"{method.upper()} {path}: no such route in Discord's API description"]
        where = f"{method.upper()} {template}"
        responses = self._document["paths"][template][method].get("responses") or {}
        key = next((k for k in (str(status), f"{status // 100}XX", "default") if k in responses), None)
        if key is None:
            return [f"{where} does not answer with status {status} (documented: {', '.join(responses)})"]
        pointer, response = self._follow(f"/paths/{_escape(template)}/{method}/responses/{key}")
        content = (response or {}).get("content") or {}
        if "application/json" not in content:
            if content or body is None:
                return []  # no body, or not JSON (e.g. widget.png): nothing to check here
            return [f"{where} answers {status} without a body, got {_short(body)}"]
        if body is None:
            return [f"{where} answers {status} with a JSON body, got none"]
        schema_pointer = f"{pointer}/content/application~1json/schema"
        return self._problems(_RESPONSE_URI, schema_pointer, body)

    def _follow(self, pointer: str) -> tuple[str, Any]:
        """The node at `pointer`, through local `$ref`s (responses often point into components)."""
        node: Any = self._document
        for part in pointer.lstrip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return pointer, None
            node = node[part]
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            return self._follow(node["$ref"][1:])
        return pointer, node

    def _problems(self, uri: str, pointer: str, body: object) -> list[str]:
        """The problems of `body`, remembered by its shape: every test's bot syncs the same commands and
        sends much the same messages, and a full check of a large body takes a tenth of a second."""
        key = (uri, pointer, self._shapes.of(body))
        if key not in self._checked:
            if len(self._checked) >= _MAX_CHECKED:
                self._checked.clear()
            self._checked[key] = self._kept_check(key, body)
        return list(self._checked[key])

    def _kept_check(self, key: tuple[str, str, str], body: object) -> list[str]:
        """The check, or its result from an earlier process: each bot process starts by syncing its
        commands, a body whose check takes a fifth of a second."""
        if self._kept_in is None:
            return self._check(key[0], key[1], body)
        path = self._kept_in / (hashlib.sha256("\n".join(key).encode()).hexdigest()[:32] + ".json")
        kept = read_kept(path)
        if kept is not None:
            with contextlib.suppress(ValueError):
                problems = json.loads(kept)
                if isinstance(problems, list) and all(isinstance(p, str) for p in problems):
                    return problems
        problems = self._check(key[0], key[1], body)
        keep(path, json.dumps(problems).encode())
        return problems

    def _check(self, uri: str, pointer: str, body: object) -> list[str]:
        validator = self._validators.get((uri, pointer))
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": f"{uri}#{pointer}"}, registry=self._registry, format_checker=_FORMAT_CHECKER
            )
            self._validators[(uri, pointer)] = validator
        problems: list[str] = []
        for error in validator.iter_errors(body):
            for leaf in _narrow(error):
                message = _describe(leaf)
                if message not in problems:
                    problems.append(message)
        if len(problems) > _MAX_PROBLEMS:
            extra = len(problems) - _MAX_PROBLEMS + 1
            problems = [*problems[: _MAX_PROBLEMS - 1], f"... and {extra} more"]
        return problems


class _Shapes:
    """Bodies written so that those the description cannot tell apart are written alike, and check alike.

    Snowflake-length strings of digits (17 to 19, valid whatever their digits) become one of the same
    length. A string that no enum or const names and that no pattern could match (the description's two
    want digits and a colour's '#') can only meet or fail a length limit: it becomes its length's place among
    the description's `minLength`s and `maxLength`s; a valid time likewise.
    """

    def __init__(self, document: object) -> None:
        lengths: set[int] = set()
        self.pinned: set[str] = set()  # every string an enum or const names
        stack = [document]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                for key, item in node.items():
                    if key in ("minLength", "maxLength") and isinstance(item, int):
                        lengths.add(item)
                    elif key == "enum" and isinstance(item, list):
                        self.pinned.update(value for value in item if isinstance(value, str))
                    elif key == "const" and isinstance(item, str):
                        self.pinned.add(item)
                    elif isinstance(item, dict | list):
                        stack.append(item)
        self.lengths = sorted(lengths)

    def of(self, body: object) -> str:
        text = json.dumps(self._stand_in(body), sort_keys=True, separators=(",", ":"), default=repr)
        return _SNOWFLAKE_STRING.sub(lambda m: '"' + "1".ljust(len(m[0]) - 2, "0") + '"', text)

    def _stand_in(self, value: object) -> object:
        if isinstance(value, str):
            if value in self.pinned or value[:1] == "#":
                return value
            if not value[:1].isdigit():
                return f"\0text {self._length(len(value))}"
            if _is_date_time(value):
                return f"\0time {self._length(len(value))}"
            return value
        if isinstance(value, dict):
            return {key: self._stand_in(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._stand_in(item) for item in value]
        return value

    def _length(self, length: int) -> str:
        """Lengths in one class meet and fail the same length limits."""
        return f"={length}" if length in self.lengths else f"<{bisect_left(self.lengths, length)}"


def _lenient_snowflakes(document: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy of `document` whose SnowflakeType also accepts integers."""
    components = dict(document.get("components") or {})
    schemas = dict(components.get("schemas") or {})
    if "SnowflakeType" not in schemas:
        return document
    schemas["SnowflakeType"] = _LENIENT_SNOWFLAKE
    components["schemas"] = schemas
    return {**document, "components": components}


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path.strip("/") else ()


def _is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


# --- formats -------------------------------------------------------------------------------------------
# Formats are only annotations in Draft 2020-12 unless a checker asserts them. Each check passes values of
# other types: the `type` keyword already judges those.


def _is_snowflake(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 2**64
    if isinstance(value, str):
        return _DIGITS.fullmatch(value) is not None and int(value) < 2**64
    return True


def _int_range(low: int, high: int) -> Any:
    def check(value: object) -> bool:
        return isinstance(value, bool) or not isinstance(value, int) or low <= value <= high

    return check


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        return False  # RFC 3339 wants a time as well as a date
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _format_checker() -> FormatChecker | None:
    if not _HAVE_JSONSCHEMA:
        return None
    # Only these formats: the library defaults depend on which optional packages happen to be installed.
    checker = FormatChecker(formats=())
    checker.checks("snowflake")(_is_snowflake)
    checker.checks("int32")(_int_range(-(2**31), 2**31 - 1))
    checker.checks("int64")(_int_range(-(2**63), 2**63 - 1))
    checker.checks("uint64")(_int_range(0, 2**64 - 1))
    checker.checks("date-time")(_is_date_time)
    return checker


_FORMAT_CHECKER = _format_checker()


# --- readable errors -----------------------------------------------------------------------------------
# A failed anyOf/oneOf says only "not valid under any of the given schemas". Discord's unions are mostly
# tagged by a `type` field, so find the alternative the body meant and report that one's errors instead.


def _narrow(error: ValidationError) -> list[ValidationError]:
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches = _branches(error)
    tags = _tag_keys(branches)
    plausible = [errors for errors in branches.values() if not any(_mismatch(e, tags) for e in errors)]
    if not plausible:
        return [error]  # no alternative has this tag; _describe lists the tags there are
    # The alternative whose errors lie deepest got furthest before failing; then one whose type the value
    # has (its format or length is what failed); fewer errors break the remaining ties.
    best = min(
        plausible,
        key=lambda errors: (
            -max(len(e.relative_path) for e in errors),
            any(e.validator == "type" for e in errors),
            len(errors),
        ),
    )
    if all(not e.relative_path and e.validator in ("type", "const", "enum") for e in best):
        return [error]  # the value itself is none of the alternatives; _describe lists what would do
    return [leaf for sub in best for leaf in _narrow(sub)]


def _branches(error: ValidationError) -> dict[int, list[ValidationError]]:
    """A failed union's errors, grouped by the alternative that raised them."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    return branches


def _tag_keys(branches: dict[int, list[ValidationError]]) -> set[str | int]:
    """Keys (`type`, `trigger_type`, ...) whose fixed value picks the alternative.

    A key counts when its const/enum failed in every alternative but at most one, so that a bad `style` in
    the one alternative a component's `type` picks is not mistaken for the union's tag.
    """
    counts: Counter[str | int] = Counter()
    for errors in branches.values():
        counts.update({e.relative_path[0] for e in errors if _mismatch(e, None)})
    return {key for key, count in counts.items() if count >= max(len(branches) - 1, 1)}


def _mismatch(error: ValidationError, tags: set[str | int] | None) -> bool:
    """Whether `error` is a const/enum failure one level down (on one of `tags`, if given)."""
    if len(error.relative_path) != 1 or error.validator not in ("const", "enum"):
        return False
    return tags is None or error.relative_path[0] in tags


def _describe(error: ValidationError) -> str:
    path = list(error.absolute_path)
    message = error.message
    if error.validator in ("anyOf", "oneOf") and error.context:
        tags = _tag_keys(_branches(error))
        if len(tags) == 1 and isinstance(error.instance, dict):
            (tag,) = tags
            path.append(tag)
            values, _ = _alternatives(error, [tag])
            message = f"{_short(error.instance.get(tag))} is not one of {values}" if values else message
        else:
            values, types = _alternatives(error, [])
            if values:
                message = f"{_short(error.instance)} is not one of {values}"
            elif types:
                message = f"{_short(error.instance)} is not of type {', '.join(map(repr, types))}"
    elif len(repr(error.instance)) > _MAX_REPR:
        message = message.replace(repr(error.instance), _short(error.instance), 1)
    return f"{_json_path(path)}: {message}"


def _alternatives(error: ValidationError, at: list[str | int]) -> tuple[list[Any], list[str]]:
    """The constants and types a failed union's alternatives would have accepted at path `at`."""
    values: list[Any] = []
    types: list[str] = []

    def visit(errors: Iterable[ValidationError], prefix: list[str | int]) -> None:
        for sub in errors:
            where = prefix + list(sub.relative_path)
            if sub.context:
                visit(sub.context, where)
            elif where == at and sub.validator == "const":
                values.append(sub.validator_value)
            elif where == at and sub.validator == "enum":
                values.extend(sub.validator_value)
            elif where == at and sub.validator == "type":
                value = sub.validator_value
                types.extend([value] if isinstance(value, str) else value)

    visit(error.context, [])
    return _unique_sorted(values), [t for t in dict.fromkeys(types) if t != "null" or not values]


def _unique_sorted(values: Sequence[Any]) -> list[Any]:
    unique = list({json.dumps(value, sort_keys=True): value for value in values}.values())
    try:
        return sorted(unique)
    except TypeError:
        return unique


def _json_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "(body)"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + "..."
