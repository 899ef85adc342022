"""Forms read from a page and posted back as a browser would (a resident fills in what the page offers)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

FIRST = object()  # a form value: the first option or checkbox the page offers


@dataclass
class FormField:
    name: str
    kind: str  # input type, "select" or "textarea"
    value: str
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # a select's (value, selected)


@dataclass
class Form:
    action: str
    method: str
    fields: list[FormField] = field(default_factory=list)


class _FormsParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").lower()))
        elif not self.forms or (not a.get("name") and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            self.forms[-1].fields.append(FormField(a["name"], kind, a.get("value", ""), "checked" in a))
        elif tag == "select":
            self._select = FormField(a["name"], "select", "")
            self.forms[-1].fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", "")
            self.forms[-1].fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_read(html: bytes) -> list[Form]:
    parser = _FormsParser()
    parser.feed(html.decode("utf-8", "replace"))
    return parser.forms


def form_find(forms: Sequence[Form], action_part: str, *, page: str = "") -> Form | None:
    """The first POST form whose action (`page` when it has none) contains `action_part`.

    The language switcher, on every page, is never the one.
    """
    for form in forms:
        action = form.action or page
        if form.method == "post" and action_part in action and "/i18n/" not in action:
            return form
    return None


def form_data(form: Form, values: dict[str, Any], *, choose: str = "") -> list[tuple[str, str]]:
    """What a browser would post: the page's defaults, then `values` (a value, a list, or FIRST).

    Radio groups and selects without a choice take their first option; checkboxes are sent when
    checked or named in `values`, and the first box of a group whose name starts with `choose`
    (a question to answer) when none is; buttons only when named in `values`.
    """
    data: list[tuple[str, str]] = []
    done: set[str] = set()
    for item in form.fields:
        if item.name in done:
            continue
        if item.name in values:
            done.add(item.name)
            wanted = values[item.name]
            if wanted is FIRST:
                choices = [o for o, _ in item.options if o] if item.kind == "select" else [item.value]
                data.append((item.name, choices[0] if choices else ""))
            else:
                for value in wanted if isinstance(wanted, list) else [wanted]:
                    data.append((item.name, str(value)))
        elif item.kind in ("submit", "button", "image", "file", "reset"):
            continue
        elif item.kind == "checkbox":
            group = [other for other in form.fields if other.name == item.name]
            if item.checked:
                data.append((item.name, item.value or "on"))
            elif choose and item.name.startswith(choose) and not any(other.checked for other in group):
                data.append((item.name, item.value or "on"))
                done.add(item.name)
        elif item.kind == "radio":
            group = [other for other in form.fields if other.name == item.name]
            chosen = next((other for other in group if other.checked), group[0])
            data.append((item.name, chosen.value))
            done.add(item.name)
        elif item.kind == "select":
            selected = [value for value, chosen in item.options if chosen]
            fallback = next((value for value, _ in item.options if value), "")
            data += [(item.name, value) for value in selected] or [(item.name, fallback)]
            done.add(item.name)
        else:
            data.append((item.name, item.value))
    return data
