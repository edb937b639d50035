"""Who may see which data: the public site's view of the data, and every internal value.

The visibility of a value comes from the data and its models, default deny:

- a data file is internal unless `busdocs.data.loader.DATA_FILES` marks it public (on-call, infrastructure,
  monitoring, launch and deploy are internal);
- in a public file, a field listed in its model's `internal_fields` is internal (`site.internal_hosts`);
- an item whose `audience_field` says `internal` is internal, whole (a variable with
  `visibility: internal`, a handbook with `site: internal`).

`public_view` gives the public build a data set without any of it: internal files are replaced by
`Withheld` (any use fails the build with a message), internal fields too, internal items are left
out, and the parsed YAML sources are dropped. The full data set is never handed to the public build's
pages. `internal_values` lists every internal string for the leak guard.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from busdocs.data.loader import DATA_FILES, DataSet, content_key
from busdocs.data.models.base import Model
from busdocs.errors import VisibilityError
from busdocs.data.yamlio import PathKey, format_path


class Withheld:
    """Stands where internal data would be in the public site's data: reading it fails the build."""

    __slots__ = ("_what",)

    def __init__(self, what: str) -> None:
        object.__setattr__(self, "_what", what)

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise VisibilityError(f"{self._what} is internal: public pages cannot read it")

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe these: plain "not there"
            raise AttributeError(name)
        return self._refuse()

    def __setattr__(self, name: str, value: Any) -> None:
        self._refuse()

    def __repr__(self) -> str:
        return f"<withheld: {self._what}>"

    __str__ = __format__ = __getitem__ = __iter__ = __len__ = __bool__ = __call__ = __contains__ = _refuse
    __eq__ = __lt__ = __gt__ = __add__ = __radd__ = _refuse
    __hash__ = None  # type: ignore[assignment]


def _is_internal_item(value: Any) -> bool:
    field_name = type(value).audience_field if isinstance(value, Model) else None
    return field_name is not None and getattr(value, field_name, None) == "internal"


def _project(value: Any, where: str) -> Any:
    if isinstance(value, Model):
        cls = type(value)
        update = {}
        for name in cls.model_fields:
            here = f"{where}.{name}" if where else name
            update[name] = (Withheld(here) if name in cls.internal_fields else _project(getattr(value, name), here))
        return value.model_copy(update=update)
    if isinstance(value, list | tuple):
        return type(value)(_project(v, f"{where}[{i}]") for i, v in enumerate(value) if not _is_internal_item(v))
    if isinstance(value, dict):
        return {k: _project(v, f"{where}.{k}") for k, v in value.items()}
    return value


def public_view(data: DataSet) -> DataSet:
    """The data as the public site may see it: nothing internal in it, not even out of sight."""
    fields: dict[str, Any] = {}
    for spec in DATA_FILES:
        name = f"data/{spec.filename}"
        model = getattr(data, spec.name)
        fields[spec.name] = _project(model, "") if spec.visibility == "public" else Withheld(name)
        if spec.visibility == "public":
            _rename_withheld(fields[spec.name], name)
    hidden = {env.name: frozenset(v.name for v in env.variables if v.visibility == "internal")
              for env in data.environments.environments}
    return dataclasses.replace(data, sources={}, hidden_variables=hidden, **fields)


def _rename_withheld(value: Any, prefix: str) -> None:
    """Withheld fields say which file they come from (`data/site.yml: internal_hosts`)."""
    if isinstance(value, Withheld):
        object.__setattr__(value, "_what", f"{prefix}: {object.__getattribute__(value, '_what')}")
    elif isinstance(value, Model):
        for name in type(value).model_fields:
            _rename_withheld(value.__dict__[name], prefix)
    elif isinstance(value, list | tuple):
        for item in value:
            _rename_withheld(item, prefix)
    elif isinstance(value, dict):
        for item in value.values():
            _rename_withheld(item, prefix)


# ---------------------------------------------------------------- every internal value

MIN_LENGTH = 8
"""Shorter values (`SEV1`, `Critical`, `3000`, `us-east-1a`) occur in ordinary text: not needles."""

PHONE = r"\+\d[\d ()-]{7,}\d"
"""An international phone number (`+92 300 555 0141`): digits, but an identity."""

_GENERIC = re.compile(r"[\d\W_]+")
"""Digits and punctuation only (`10.0.1.0/24`, `09:00`, `99.9`): numbers, not identities."""

_EMBEDDED = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"                       # e-mail addresses
    r"|\b(?:[a-z0-9-]+\.){2,}[a-z]{2,}\b"                # host names (three labels or more)
    r"|\b[a-z]{2,5}-[0-9a-f]{8,17}\b"                     # AWS resource ids (vpc-…, sg-…, subnet-…)
    r"|arn:aws[\w-]*:[^\s\"'<>]+"                         # ARNs
    r"|" + PHONE)                                         # phone numbers
"""Identities inside longer internal text (a description naming a host): needles of their own."""


def _vocabulary(annotation: Any) -> bool:
    """A field whose values come from a fixed list (`Literal[...]`): words both audiences use."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Literal:
            return True
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin is None or not args:
            return False
        annotation = args[-1] if origin is dict else args[0]


def _strings(value: Any, here: PathKey, internal: bool) -> Iterator[tuple[PathKey, str, bool]]:
    if isinstance(value, Model):
        cls = type(value)
        internal = internal or _is_internal_item(value)
        for name, info in cls.model_fields.items():
            if _vocabulary(info.annotation) or name in cls.common_fields:
                continue
            yield from _strings(getattr(value, name), (*here, name), internal or name in cls.internal_fields)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*here, i), internal)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*here, key), str(key), internal
            yield from _strings(item, (*here, key), internal)
    elif isinstance(value, str):
        yield here, value, internal


_IDENTIFIER = re.compile(r"[\d@.:/_]")
"""Identifiers, hosts, e-mails, phones, ARNs, instance types: a digit or one of `@ . : / _`."""
_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){1,3}")
"""A person's (or a thing's) proper name: capitalised words (`Bilal Rana`)."""
SENTENCE_LENGTH = 24
"""Text of at least this many characters and three words (descriptions, notes) is distinctive."""


def _distinctive(text: str) -> bool:
    """Whether `text` would mean a leak if a public page held it (see `internal_values`)."""
    if len(text) < MIN_LENGTH:
        return False
    if _GENERIC.fullmatch(text):
        return bool(re.fullmatch(PHONE, text))
    return bool(_IDENTIFIER.search(text) or _NAME.fullmatch(text)
                or (len(text) >= SENTENCE_LENGTH and len(text.split()) >= 3))


def internal_values(data: DataSet) -> dict[str, str]:
    """Every internal string of every data file (whole values, and the e-mail addresses, hosts,
    AWS ids and phone numbers inside them), each with where it comes from
    (`data/oncall.yml: people[0].phone`).

    A needle is a value a public page could not hold by chance: at least `MIN_LENGTH` characters,
    not digits and punctuation only (unless a phone number), and an identifier (a digit or one of `@ . : / _`: hosts,
    e-mails, phones, AWS ids), a proper name (`Bilal Rana`) or a sentence (`SENTENCE_LENGTH`
    characters, three words). Short words and phrases (`monitoring`, `Release notes`, `SEV1`,
    `Critical`) and values from fixed lists (`Literal` fields: statuses, severities) are left out:
    they are the vocabulary of public pages too. So is any value that occurs inside a public value
    of the data (a public value may repeat an internal one: `us-east-1`), a URL on a public host
    and the path of a public page's source. Fields a model lists in `common_fields` (site paths,
    media types, metric names) give no needles.
    """
    key = content_key(data)
    kept = _NEEDLES.get(key) if key is not None else None
    if kept is None:
        kept = _needles(data)
        if key is not None:
            _NEEDLES[key] = kept
            while len(_NEEDLES) > 8:
                del _NEEDLES[next(iter(_NEEDLES))]
    # Whether a page exists is looked up every time: pages come and go with the data unchanged.
    return {value: where for value, where in kept if not _public_page(value, data.root)}


_NEEDLES: dict[tuple[tuple[str, str | None], ...], tuple[tuple[str, str], ...]] = {}
"""`internal_values` of unchanged data files (`content_key`), short of the page check: a build asks
for them every time (the leak guard) and they depend on the files' text alone."""


def _needles(data: DataSet) -> tuple[tuple[str, str], ...]:
    internal: dict[str, str] = {}
    public: list[str] = []
    for spec in DATA_FILES:
        for path, text, hidden in _strings(getattr(data, spec.name), (), spec.visibility != "public"):
            if not hidden:
                public.append(text)
                continue
            where = f"data/{spec.filename}: {format_path(path)}"
            text = text.strip()
            for candidate in (text, *(m.group(0) for m in _EMBEDDED.finditer(text))):
                if _distinctive(candidate):
                    internal.setdefault(candidate, where)
    corpus = "\x00".join(public)
    return tuple((value, where) for value, where in internal.items()
                 if value not in corpus and not _public_url(value, corpus))


def _public_url(value: str, corpus: str) -> bool:
    """A URL on a public host (`https://help.…/`): public by nature, whatever file names it."""
    if "://" in value:
        host = urlsplit(value).hostname
        return bool(host) and host in corpus
    return False


def _public_page(value: str, root: Path) -> bool:
    """The path of a public page's source (its edit link shows it): public by nature."""
    return "://" not in value and value.startswith(("docs/", "guides/")) and (root / value.split("#", 1)[0]).is_file()
