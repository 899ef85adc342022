"""The caller's SoQL text cut into tokens: strings, numbers, names, keywords and operators."""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicloop.opendata.soql.errors import QueryInvalid

MAX_TEXT = 8000  # characters of one parameter


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>'(?:[^']|'')*')
      | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<name>:?[A-Za-z_][A-Za-z0-9_]*)
      | (?P<quoted>`[^`]+`)
      | (?P<op><=|>=|!=|<>|==|=|<|>|\(|\)|,|\*|-)
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset(
    {"and", "or", "not", "between", "in", "like", "is", "null", "true", "false", "asc", "desc", "as"}
)


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, name, keyword, op, end
    text: str
    value: object
    position: int


def _tokens(text: str, parameter: str) -> list[_Token]:
    if len(text) > MAX_TEXT:
        raise QueryInvalid(f"{parameter} is longer than {MAX_TEXT} characters", field=parameter)
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text.startswith("'", position):
                raise QueryInvalid(
                    f"{parameter}: unterminated string at position {position}", field=parameter
                )
            raise QueryInvalid(
                f"{parameter}: unexpected character {text[position]!r} at position {position}",
                field=parameter,
            )
        kind = match.lastgroup or ""
        word = match.group()
        if kind == "string":
            tokens.append(_Token("string", word, word[1:-1].replace("''", "'"), position))
        elif kind == "number":
            number = float(word) if re.search(r"[.eE]", word) else int(word)
            tokens.append(_Token("number", word, number, position))
        elif kind == "name":
            lowered = word.lower()
            tokens.append(_Token("keyword" if lowered in _KEYWORDS else "name", word, lowered, position))
        elif kind == "quoted":
            tokens.append(_Token("name", word, word[1:-1], position))
        elif kind == "op":
            tokens.append(
                _Token("op", word, "=" if word == "==" else "!=" if word == "<>" else word, position)
            )
        position = match.end()
    tokens.append(_Token("end", "", None, len(text)))
    return tokens
