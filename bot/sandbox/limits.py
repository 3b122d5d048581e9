"""Discord's documented limits on what a bot sends, checked on plain JSON bodies.

Every check is pure and returns a list of problems, each starting with the JSON path it is about
(``embeds[0].fields[3].value: 1100 characters, limit 1024``); an empty list means the body is fine.
The rules come from Discord's developer documentation, which is stricter than its OpenAPI spec.
Malformed input is reported, never raised, so a stand-in can answer 400 with the problems.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Any

# Messages: resources/message "Create Message", resources/webhook "Execute Webhook".
CONTENT_MAX = 2000  # Create Message: content up to 2000 characters (bots and webhooks alike)
MEMBER_CONTENT_MAX = 4000  # what a member with Nitro may post from the client; the bot is held to 2000
EMBEDS_MAX = 10  # Create Message: up to 10 rich embeds
STICKERS_MAX = 3  # Create Message: sticker_ids, up to 3
IS_COMPONENTS_V2 = 1 << 15  # message flags; Create Message: such a message may only carry components
V2_FORBIDDEN = (
    "content",
    "embeds",
    "sticker_ids",
    "poll",
    "shared_client_theme",
)  # Create Message, flags note
V2_COMPONENTS_MAX = 40  # components/reference: up to 40 total components with IS_COMPONENTS_V2
ONE_OF = (
    "content",
    "embeds",
    "sticker_ids",
    "components",
    "attachments",
    "files",
    "poll",
    "shared_client_theme",
)
FORWARD = 1  # message reference type; Create Message: a forward needs only message_reference

# Embeds: resources/message "Embed Limits", measured after trimming leading and trailing whitespace.
EMBED_TITLE_MAX = 256  # Embed Limits: title
EMBED_DESCRIPTION_MAX = 4096  # Embed Limits: description
EMBED_FIELDS_MAX = 25  # Embed Limits: up to 25 fields
EMBED_FIELD_NAME_MAX = 256  # Embed Limits: field.name
EMBED_FIELD_VALUE_MAX = 1024  # Embed Limits: field.value
EMBED_FOOTER_MAX = 2048  # Embed Limits: footer.text
EMBED_AUTHOR_MAX = 256  # Embed Limits: author.name
EMBED_TOTAL_MAX = 6000  # Embed Limits: all of the above, summed over every embed of a message

# Components: components/reference (and interactions/message-components before it).
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4  # component types
SELECTS = frozenset({3, 5, 6, 7, 8})  # string, user, role, mentionable and channel selects
LINK, PREMIUM = 5, 6  # button styles with a url or an sku_id instead of a custom_id
ACTION_ROWS_MAX = 5  # Action Rows: up to 5 per message
ROW_BUTTONS_MAX = 5  # Action Row: up to 5 buttons, or a single select or text input
BUTTON_LABEL_MAX = 80  # Button Structure: label
BUTTON_URL_MAX = 512  # Button Structure: url (discord-api-docs PR #7301)
CUSTOM_ID_MIN, CUSTOM_ID_MAX = 1, 100  # Custom ID: max 100, never empty (discord-api-docs PR #7920)
SELECT_OPTIONS_MAX = 25  # Select Menu Structure: options, max 25
SELECT_OPTION_TEXT_MAX = 100  # Select Option Structure: label, value, description
SELECT_PLACEHOLDER_MAX = 150  # Select Menu Structure: placeholder
SELECT_VALUES_MAX = 25  # Select Menu Structure: min_values 0-25, max_values 1-25

# Application commands: interactions/application-commands.
CHAT_INPUT = 1  # command type; the only one with naming rules, a description and options
CONTEXT_MENUS = frozenset({2, 3})  # Command Structure: USER and MESSAGE have an empty description
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2  # option types
CHOICE_TYPES = frozenset({3, 4, 10})  # Option Structure: choices only on STRING, INTEGER, NUMBER
NAME_MAX = 32  # Application Command Naming: 1-32 characters, commands and options alike
NAME_PUNCTUATION = "-_'"  # Application Command Naming: ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$
NAME_SCRIPTS = ("DEVANAGARI ", "THAI ")  # the \p{sc=Deva} and \p{sc=Thai} part, by character name
DESCRIPTION_MAX = 100  # Command and Option Structure: description 1-100 characters
OPTIONS_MAX = 25  # Command Structure: max of 25 options; Option Structure: nested options, up to 25
CHOICES_MAX = 25  # Option Structure: choices, max 25
CHOICE_NAME_MAX = 100  # Option Choice Structure: 1-100 character name
CHOICE_VALUE_MAX = 100  # Option Choice Structure: value up to 100 characters if a string
OPTION_LENGTH_MAX = 6000  # Option Structure: min_length 0-6000, max_length 1-6000
COMMANDS_MAX = {1: 100, 2: 5, 3: 5}  # Registering a Command: per type, globally and per guild

# Interaction responses: interactions/receiving-and-responding "Autocomplete".
AUTOCOMPLETE_CHOICES_MAX = 25  # Autocomplete: max of 25 choices

# Webhooks: resources/webhook "Create Webhook"; names are trimmed like nicknames (resources/user).
WEBHOOK_NAME_MAX = 80  # Create Webhook: name 1-80 characters
WEBHOOK_NAME_FORBIDDEN = ("clyde", "discord")  # Create Webhook: substrings, case-insensitive

Problems = list[str]
Entry = tuple[str, dict[str, Any]]


# Shared helpers -------------------------------------------------------------------------------------------


def _text(value: Any, path: str, limit: int, minimum: int = 0, *, trim: bool = False) -> Problems:
    """Length problems of a string that may be absent; callers that require it say so themselves."""
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"{path}: expected a string, got {type(value).__name__}"]
    size = len(value.strip() if trim else value)
    if size > limit:
        return [f"{path}: {size} characters, limit {limit}"]
    if size < minimum:
        return [f"{path}: {size} characters, minimum {minimum}"]
    return []


def _required_text(item: dict[str, Any], key: str, path: str, limit: int, minimum: int = 1) -> Problems:
    if item.get(key) is None:
        return [f"{path}.{key}: required"]
    return _text(item[key], f"{path}.{key}", limit, minimum)


def _integer(value: Any, path: str, low: int, high: int) -> Problems:
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"{path}: expected an integer, got {type(value).__name__}"]
    return [] if low <= value <= high else [f"{path}: {value}, must be {low}-{high}"]


def _too_many(value: Any, path: str, limit: int, what: str = "items") -> Problems:
    size = len(value) if isinstance(value, list) else 0
    return [f"{path}: {size} {what}, limit {limit}"] if size > limit else []


def _shape(value: Any, path: str) -> Problems:
    """A problem when a value is present but is not a list of objects."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [f"{path}: expected a list, got {type(value).__name__}"]
    return [f"{path}[{i}]: expected an object" for i, item in enumerate(value) if not isinstance(item, dict)]


def _entries(value: Any, path: str) -> list[Entry]:
    """The objects of a list with their paths; anything else was already reported by _shape."""
    if not isinstance(value, list):
        return []
    return [(f"{path}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict)]


def _duplicates(entries: list[Entry], key: str, what: str) -> Problems:
    first: dict[str, str] = {}
    problems = []
    for path, item in entries:
        value = item.get(key)
        if not isinstance(value, str):
            continue
        if value in first:
            problems.append(f"{path}.{key}: duplicate {what} {value!r}, first at {first[value]}")
        else:
            first[value] = path
    return problems


def _present(value: Any) -> bool:
    # Discord trims content, so whitespace alone makes an empty message.
    return bool(value.strip()) if isinstance(value, str) else bool(value)


# Messages -------------------------------------------------------------------------------------------------


def message_problems(body: dict[str, Any], *, creating: bool = True) -> Problems:
    """Problems of a message create or edit body, webhook execute, follow-up or callback type 4/7 data."""
    if not isinstance(body, dict):
        return [f"body: expected an object, got {type(body).__name__}"]
    flags = body.get("flags")
    v2 = isinstance(flags, int) and bool(flags & IS_COMPONENTS_V2)
    problems = _text(body.get("content"), "content", CONTENT_MAX)
    problems += embed_problems(body.get("embeds"))
    problems += _sticker_problems(body.get("sticker_ids"))
    problems += _v2_problems(body) if v2 else component_problems(body.get("components"))
    if creating and not _has_something(body):
        problems.append(f"body: a new message needs at least one of {', '.join(ONE_OF)}")
    return problems


def _sticker_problems(sticker_ids: Any) -> Problems:
    if sticker_ids is not None and not isinstance(sticker_ids, list):
        return [f"sticker_ids: expected a list, got {type(sticker_ids).__name__}"]
    return _too_many(sticker_ids, "sticker_ids", STICKERS_MAX)


def _has_something(body: dict[str, Any]) -> bool:
    reference = body.get("message_reference")
    forward = isinstance(reference, dict) and reference.get("type") == FORWARD
    return forward or any(_present(body.get(key)) for key in ONE_OF)


def _v2_problems(body: dict[str, Any]) -> Problems:
    # With IS_COMPONENTS_V2 the five-row limit gives way to a total of 40 components at any depth.
    problems = [
        f"{key}: not allowed with the IS_COMPONENTS_V2 flag"
        for key in V2_FORBIDDEN
        if _present(body.get(key))
    ]
    components = body.get("components")
    total = _component_total(components)
    if total > V2_COMPONENTS_MAX:
        problems.append(f"components: {total} components in all, limit {V2_COMPONENTS_MAX}")
    return problems + _components(components, "components", max_rows=None)


def _component_total(components: Any) -> int:
    total = 0
    for _, item in _entries(components, ""):
        nested = [item[key] for key in ("accessory", "component") if isinstance(item.get(key), dict)]
        total += 1 + _component_total(item.get("components")) + _component_total(nested)
    return total


# Embeds ---------------------------------------------------------------------------------------------------


def embed_problems(embeds: Any, path: str = "embeds") -> Problems:
    """Problems of a message's embeds, including the 6000-character total over all of them."""
    problems = _shape(embeds, path) + _too_many(embeds, path, EMBEDS_MAX, "embeds")
    total = 0
    for embed_path, embed in _entries(embeds, path):
        texts = _embed_texts(embed, embed_path)
        problems += _embed_fields(embed, embed_path)
        problems += [
            problem
            for text_path, text, limit in texts
            for problem in _text(text, text_path, limit, trim=True)
        ]
        total += sum(len(text.strip()) for _, text, _ in texts if isinstance(text, str))
    if total > EMBED_TOTAL_MAX:
        problems.append(f"{path}: {total} characters of embed text in all, limit {EMBED_TOTAL_MAX}")
    return problems


def _embed_texts(embed: dict[str, Any], path: str) -> list[tuple[str, Any, int]]:
    """Every text that counts towards the total, with its path and its own limit."""
    footer, author = embed.get("footer"), embed.get("author")
    texts = [
        (f"{path}.title", embed.get("title"), EMBED_TITLE_MAX),
        (f"{path}.description", embed.get("description"), EMBED_DESCRIPTION_MAX),
        (f"{path}.footer.text", footer.get("text") if isinstance(footer, dict) else None, EMBED_FOOTER_MAX),
        (f"{path}.author.name", author.get("name") if isinstance(author, dict) else None, EMBED_AUTHOR_MAX),
    ]
    for field_path, field in _entries(embed.get("fields"), f"{path}.fields"):
        texts.append((f"{field_path}.name", field.get("name"), EMBED_FIELD_NAME_MAX))
        texts.append((f"{field_path}.value", field.get("value"), EMBED_FIELD_VALUE_MAX))
    return texts


def _embed_fields(embed: dict[str, Any], path: str) -> Problems:
    fields = embed.get("fields")
    problems = _shape(fields, f"{path}.fields") + _too_many(
        fields, f"{path}.fields", EMBED_FIELDS_MAX, "fields"
    )
    for field_path, field in _entries(fields, f"{path}.fields"):
        problems += [f"{field_path}.{key}: required" for key in ("name", "value") if field.get(key) is None]
    return problems


# Components -----------------------------------------------------------------------------------------------


def component_problems(components: Any, path: str = "components") -> Problems:
    """Problems of a message's classic components: action rows of buttons or a single select menu."""
    return _components(components, path, max_rows=ACTION_ROWS_MAX)


def _components(components: Any, path: str, *, max_rows: int | None) -> Problems:
    entries = _entries(components, path)
    rows = [(row_path, row) for row_path, row in entries if row.get("type") == ACTION_ROW]
    problems = _shape(components, path)
    if max_rows is not None and len(rows) > max_rows:
        problems.append(f"{path}: {len(rows)} action rows, limit {max_rows}")
    for item_path, item in entries:
        if item.get("type") == BUTTON or item.get("type") in SELECTS:
            problems.append(f"{item_path}: a type {item['type']} component must be inside an action row")
    interactive: list[Entry] = []
    for row_path, row in rows:
        problems += _row_problems(row, row_path)
        interactive += _entries(row.get("components"), f"{row_path}.components")
    # Custom ID: must be unique among the components of one message.
    return problems + _duplicates(interactive, "custom_id", "custom_id")


def _row_problems(row: dict[str, Any], path: str) -> Problems:
    children = row.get("components")
    path = f"{path}.components"
    entries = _entries(children, path)
    kinds = [child.get("type") for _, child in entries]
    buttons = kinds.count(BUTTON)
    singles = sum(kind in SELECTS or kind == TEXT_INPUT for kind in kinds)
    problems = _shape(children, path)
    if buttons > ROW_BUTTONS_MAX:
        problems.append(f"{path}: {buttons} buttons, limit {ROW_BUTTONS_MAX}")
    if singles and (buttons or singles > 1):
        problems.append(f"{path}: a select menu must be alone in its action row")
    for child_path, child in entries:
        problems += _child_problems(child, child_path)
    return problems


def _child_problems(child: dict[str, Any], path: str) -> Problems:
    kind = child.get("type")
    if kind == ACTION_ROW:
        return [f"{path}: an action row cannot contain another action row"]
    if kind == BUTTON:
        return _button_problems(child, path)
    if kind in SELECTS:
        return _select_problems(child, path)
    if kind == TEXT_INPUT:
        return _custom_id(child, path)
    return []  # a newer component type: not ours to judge


def _custom_id(component: dict[str, Any], path: str) -> Problems:
    return _required_text(component, "custom_id", path, CUSTOM_ID_MAX, CUSTOM_ID_MIN)


def _button_problems(button: dict[str, Any], path: str) -> Problems:
    style = button.get("style")
    problems = _text(button.get("label"), f"{path}.label", BUTTON_LABEL_MAX)
    if style == LINK:
        problems += _required_text(button, "url", path, BUTTON_URL_MAX)
        problems += _forbidden(button, path, ("custom_id", "sku_id"), "a link button")
    elif style == PREMIUM:
        problems += [] if button.get("sku_id") else [f"{path}.sku_id: required for a premium button"]
        problems += _forbidden(button, path, ("custom_id", "url", "label", "emoji"), "a premium button")
    else:
        problems += _custom_id(button, path)
        problems += _forbidden(button, path, ("url", "sku_id"), f"a style {style} button")
    return problems


def _forbidden(component: dict[str, Any], path: str, keys: tuple[str, ...], what: str) -> Problems:
    return [f"{path}.{key}: not allowed on {what}" for key in keys if component.get(key) is not None]


def _select_problems(select: dict[str, Any], path: str) -> Problems:
    problems = _custom_id(select, path)
    problems += _text(select.get("placeholder"), f"{path}.placeholder", SELECT_PLACEHOLDER_MAX)
    problems += _integer(select.get("min_values"), f"{path}.min_values", 0, SELECT_VALUES_MAX)
    problems += _integer(select.get("max_values"), f"{path}.max_values", 1, SELECT_VALUES_MAX)
    options = select.get("options")
    if select.get("type") != STRING_SELECT:
        return problems + ([] if options is None else [f"{path}.options: only string selects take options"])
    if options is None:
        return [*problems, f"{path}.options: required for a string select"]
    problems += _shape(options, f"{path}.options") + _too_many(options, f"{path}.options", SELECT_OPTIONS_MAX)
    for option_path, option in _entries(options, f"{path}.options"):
        problems += _required_text(option, "label", option_path, SELECT_OPTION_TEXT_MAX)
        problems += _required_text(option, "value", option_path, SELECT_OPTION_TEXT_MAX)
        problems += _text(option.get("description"), f"{option_path}.description", SELECT_OPTION_TEXT_MAX)
    return problems


# Application commands -------------------------------------------------------------------------------------


def command_problems(commands: list[dict[str, Any]]) -> Problems:
    """Problems of a bulk-overwrite (PUT) body: each command, unique names per type, the counts per type."""
    path = "commands"
    entries = _entries(commands, path)
    problems = _shape(commands, path)
    for command_path, command in entries:
        problems += _command_problems(command, command_path)
    kinds = Counter(_kind(command) for _, command in entries)
    for kind, count in kinds.items():
        same_kind = [(p, command) for p, command in entries if _kind(command) == kind]
        problems += _duplicates(same_kind, "name", f"type {kind} command name")
        if kind in COMMANDS_MAX and count > COMMANDS_MAX[kind]:
            problems.append(f"{path}: {count} type {kind} commands, limit {COMMANDS_MAX[kind]}")
    return problems


def _kind(command: dict[str, Any]) -> int | None:
    kind = command.get("type", CHAT_INPUT)
    return kind if isinstance(kind, int) else None


def _command_problems(command: dict[str, Any], path: str) -> Problems:
    kind = _kind(command)
    if kind is None:
        return [f"{path}.type: expected an integer"]
    if kind == CHAT_INPUT:
        return _described(command, path, strict=True) + _options(
            command.get("options"), f"{path}.options", None
        )
    # User and message commands may be mixed case with spaces, and carry no description or options.
    problems = _named(command, path, strict=False)
    if kind in CONTEXT_MENUS and command.get("description") not in (None, ""):
        problems.append(f"{path}.description: must be empty for a type {kind} command")
    if kind in CONTEXT_MENUS and command.get("options"):
        problems.append(f"{path}.options: only chat-input commands take options")
    return problems


def _named(item: dict[str, Any], path: str, *, strict: bool) -> Problems:
    problems = _name(item.get("name"), f"{path}.name", strict=strict)
    for locale, name in _localizations(item, "name_localizations", path):
        problems += _name(name, f"{path}.name_localizations.{locale}", strict=strict)
    return problems


def _described(item: dict[str, Any], path: str, *, strict: bool) -> Problems:
    """Name and description rules shared by chat-input commands and every option."""
    problems = _named(item, path, strict=strict)
    problems += _required_text(item, "description", path, DESCRIPTION_MAX)
    for locale, text in _localizations(item, "description_localizations", path):
        problems += _text(text, f"{path}.description_localizations.{locale}", DESCRIPTION_MAX, 1)
    return problems


def _localizations(item: dict[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
    # Localized values follow the same restrictions as the field they translate.
    value = item.get(key)
    return list(value.items()) if isinstance(value, dict) else []


def _name(name: Any, path: str, *, strict: bool) -> Problems:
    if name is None:
        return [f"{path}: required"]
    problems = _text(name, path, NAME_MAX, 1)
    if not strict or not isinstance(name, str):
        return problems
    disallowed = "".join(dict.fromkeys(char for char in name if not _name_char(char)))
    if disallowed:
        problems.append(f"{path}: {name!r} has characters a command name cannot: {disallowed!r}")
    if name != name.lower():
        problems.append(f"{path}: {name!r} must be lowercase")
    return problems


def _name_char(char: str) -> bool:
    # Python's re has no \p{...}: letters and numbers by Unicode category, the two scripts by name.
    if char in NAME_PUNCTUATION or unicodedata.category(char)[0] in "LN":
        return True
    return unicodedata.name(char, "").startswith(NAME_SCRIPTS)


def _options(options: Any, path: str, parent: int | None) -> Problems:
    """Problems of a list of options; parent is None for a command, else the enclosing option type."""
    entries = _entries(options, path)
    problems = _shape(options, path) + _too_many(options, path, OPTIONS_MAX, "options")
    problems += _nesting(entries, path, parent)
    problems += _duplicates(entries, "name", "option name")
    problems += _required_first(entries)
    for option_path, option in entries:
        problems += _option_problems(option, option_path)
    return problems


def _nesting(entries: list[Entry], path: str, parent: int | None) -> Problems:
    # Subcommands and groups: a command holds groups and subcommands, a group only subcommands.
    kinds = [option.get("type") for _, option in entries]
    nested = [kind in (SUB_COMMAND, SUB_COMMAND_GROUP) for kind in kinds]
    if parent is None:
        mixed = any(nested) and not all(nested)
        return [f"{path}: subcommands and groups cannot sit beside other options"] if mixed else []
    if parent == SUB_COMMAND_GROUP:
        pairs = zip(entries, kinds, strict=True)
        return [
            f"{p}: a subcommand group can hold only subcommands" for (p, _), k in pairs if k != SUB_COMMAND
        ]
    pairs = zip(entries, nested, strict=True)
    return [f"{p}: a subcommand cannot hold subcommands or groups" for (p, _), n in pairs if n]


def _required_first(entries: list[Entry]) -> Problems:
    # Option Structure: required options must be listed before optional ones.
    problems, optional_seen = [], False
    for path, option in entries:
        if option.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            continue
        if option.get("required") and optional_seen:
            problems.append(f"{path}: required option after an optional one")
        optional_seen = optional_seen or not option.get("required")
    return problems


def _option_problems(option: dict[str, Any], path: str) -> Problems:
    kind = option.get("type")
    problems = _described(option, path, strict=True)
    if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
        return problems + _options(option.get("options"), f"{path}.options", kind)
    problems += _integer(option.get("min_length"), f"{path}.min_length", 0, OPTION_LENGTH_MAX)
    problems += _integer(option.get("max_length"), f"{path}.max_length", 1, OPTION_LENGTH_MAX)
    choices = option.get("choices")
    if choices is None:
        return problems
    if choices and kind not in CHOICE_TYPES:
        problems.append(f"{path}.choices: only string, integer and number options take choices")
    if choices and option.get("autocomplete"):
        problems.append(f"{path}.autocomplete: cannot be set together with choices")
    return problems + _choices(choices, f"{path}.choices", CHOICES_MAX)


def _choices(choices: Any, path: str, limit: int) -> Problems:
    problems = _shape(choices, path) + _too_many(choices, path, limit, "choices")
    for choice_path, choice in _entries(choices, path):
        problems += _required_text(choice, "name", choice_path, CHOICE_NAME_MAX)
        for locale, name in _localizations(choice, "name_localizations", choice_path):
            problems += _text(name, f"{choice_path}.name_localizations.{locale}", CHOICE_NAME_MAX, 1)
        problems += _choice_value(choice.get("value"), f"{choice_path}.value")
    return problems


def _choice_value(value: Any, path: str) -> Problems:
    if isinstance(value, str):
        return _text(value, path, CHOICE_VALUE_MAX, 1)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return []
    return [f"{path}: expected a string or a number, got {type(value).__name__}"]


# Interaction responses and webhooks -----------------------------------------------------------------------


def autocomplete_problems(data: dict[str, Any]) -> Problems:
    """Problems of the data of an autocomplete result (interaction callback type 8)."""
    if not isinstance(data, dict):
        return [f"data: expected an object, got {type(data).__name__}"]
    if data.get("choices") is None:
        return ["choices: required"]
    return _choices(data["choices"], "choices", AUTOCOMPLETE_CHOICES_MAX)


def webhook_name_problems(name: str) -> Problems:
    """Problems of a webhook name given when creating or renaming a webhook."""
    if not isinstance(name, str):
        return [f"name: expected a string, got {type(name).__name__}"]
    # Names are trimmed like nicknames, so whitespace alone is an empty name.
    problems = _text(name, "name", WEBHOOK_NAME_MAX, 1, trim=True)
    folded = name.casefold()
    return problems + [
        f"name: {name!r} contains {word!r}" for word in WEBHOOK_NAME_FORBIDDEN if word in folded
    ]
