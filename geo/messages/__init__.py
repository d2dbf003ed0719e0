"""The message catalogue: every word a person reads, in Chinese (the default) and English.

One gettext catalogue per language (``zh.po``, ``en.po`` beside this module), read directly with
Babel (no compiled ``.mo``); the parsed messages are kept beside the module's compiled code,
keyed by the file's content, so a command does not parse the same file twice. Message ids are
keys (``status.fail``, ``kind.fleet_ratio``, ``unit.beds``); a message may hold ``{name}``
fields filled by :func:`text`. ``geo`` wording, the API, the CLI, the exports and the reports all
read this one catalogue, so a label is worded once. :func:`unit_label` turns the evaluators'
English units ("beds per 1,000 residents") into the reader's language from the same catalogue.
"""

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Final, Literal, get_args

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANG: Final[Lang] = "zh"

_HERE = Path(__file__).parent


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    """Return the messages of ``lang`` as key → text (the ``.po`` file, read once).

    Parameters
    ----------
    lang
        ``"zh"`` or ``"en"``.

    Returns
    -------
    dict[str, str]
        Every translated message; keys without a translation are left out.
    """
    source = (_HERE / f"{lang}.po").read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    parsed = _HERE / "__pycache__" / f"messages.{lang}.{digest}.json"
    try:
        loaded = json.loads(parsed.read_bytes())
        if isinstance(loaded, dict):
            return loaded
    except (OSError, ValueError):
        pass
    messages = _parse(source, lang)
    _keep(parsed, messages)
    return messages


def _parse(source: bytes, lang: Lang) -> dict[str, str]:
    """The translated messages of a ``.po`` file's bytes, as key → text (Babel)."""
    import io

    from babel.messages.pofile import read_po

    po = read_po(io.BytesIO(source), locale=lang)
    return {
        str(message.id): str(message.string)
        for message in po
        if message.id and isinstance(message.id, str) and message.string
    }


def _keep(path: Path, messages: dict[str, str]) -> None:
    """Write the parsed messages to ``path`` whole (a temporary file renamed), dropping the
    older parses of that language; a folder that cannot be written only costs a parse."""
    try:
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(messages, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        prefix = path.name.rsplit(".", 2)[0]
        for old in path.parent.glob(f"{prefix}.*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def parse_lang(value: str | None) -> Lang | None:
    """Read a language tag (``zh``, ``zh-CN``, ``en-GB`` …) as a catalogue language, or None."""
    if not value:
        return None
    primary = value.strip().lower().replace("_", "-").split("-", 1)[0]
    for lang in LANGS:
        if primary == lang:
            return lang
    return None


def lang_of_command_line(argv: Sequence[str], environ: Mapping[str, str]) -> Lang:
    """The language a command line asks for: ``--lang X`` (or ``--lang=X``) anywhere, else the
    environment's ``FPLAN_LANG``, else Chinese.

    Parameters
    ----------
    argv
        The arguments after the program name.
    environ
        The environment (``FPLAN_LANG``).
    """
    asked: str | None = None
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            asked = argv[index + 1]
        elif arg.startswith("--lang="):
            asked = arg.partition("=")[2]
    return parse_lang(asked) or parse_lang(environ.get("FPLAN_LANG")) or DEFAULT_LANG


def negotiate(accept_language: str | None) -> Lang:
    """Pick the catalogue language an ``Accept-Language`` header prefers (Chinese when none).

    Parameters
    ----------
    accept_language
        The header's value, e.g. ``"en-US,en;q=0.9,zh;q=0.8"``; None or empty for none.
    """
    best: tuple[float, int, Lang] | None = None
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        lang = parse_lang(tag)
        if lang is None:
            continue
        weight = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                weight = float(match.group(1))
            except ValueError:
                weight = 0.0
        # the highest weight wins; among equals, the one listed first
        if weight > 0 and (best is None or (weight, -index) > (best[0], best[1])):
            best = (weight, -index, lang)
    return best[2] if best else DEFAULT_LANG


def has(key: str, lang: Lang = DEFAULT_LANG) -> bool:
    """True when the catalogue of ``lang`` words ``key``."""
    return key in catalogue(lang)


def text(key: str, lang: Lang = DEFAULT_LANG, /, **fields: object) -> str:
    """Return the message ``key`` in ``lang`` with its ``{name}`` fields filled.

    A key missing from ``lang`` falls back to the other language, then to the key itself (a
    test keeps both catalogues complete, so the fallback only guards a half-merged catalogue).
    """
    message = catalogue(lang).get(key)
    if message is None:
        other: Lang = "en" if lang == "zh" else "zh"
        message = catalogue(other).get(key, key)
    return message.format(**fields) if fields else message


def label(prefix: str, value: str, lang: Lang = DEFAULT_LANG) -> str:
    """Return the label of a vocabulary value (``label("kind", "fleet_ratio")``).

    A value the catalogue does not list reads as itself with spaces for underscores, never as
    an empty cell.
    """
    key = f"{prefix}.{value}"
    if has(key, lang) or has(key, "zh"):
        return text(key, lang)
    return value.replace("_", " ")


def need_label(need: str, lang: Lang = DEFAULT_LANG) -> str:
    """Return what a data-gap rule needs as a reader's label (``beds`` → ``床位数``).

    Parameters
    ----------
    need
        A ``needs`` entry of the norm catalogue: a register field or a data set id.
    lang
        The reader's language.
    """
    return label("need", need, lang)


def listed_fields(values: Mapping[str, object], lang: Lang = DEFAULT_LANG) -> dict[str, object]:
    """A message's ``values`` with each tuple listed as ``lang`` lists things (``walk、drive``,
    ``walk, drive``): the choices a refusal names."""
    between = text("names.separator", lang)
    return {
        name: between.join(str(item) for item in value) if isinstance(value, tuple) else value
        for name, value in values.items()
    }


def plan_lines(label: str, lang: Lang = DEFAULT_LANG) -> str:
    """Return a citation's lines as a reader cites a plan (``L1266-1268`` → ``第1266～1268行``).

    Parameters
    ----------
    label
        The citation's lines as the catalogue writes them (``L195``, ``L1266-1268``).
    lang
        The reader's language; English keeps the label as it is.
    """
    if lang == "en":
        return label
    span = re.sub(r"L(?=[0-9])", "", label).replace("-", "～")
    return text("report.lines", lang, span=span)


def number(value: float, digits: int = 2) -> str:
    """Return a number with at most ``digits`` decimals, thousands separated (``"12,400.5"``)."""
    shown = f"{value:,.{digits}f}"
    if digits:
        shown = shown.rstrip("0").rstrip(".")
    return "0" if shown == "-0" else shown


def value_text(value: float | None, unit: str, lang: Lang = DEFAULT_LANG) -> str:
    """Return a measured or target value as a person reads it: shares as percentages."""
    if value is None:
        return text("value.unknown", lang)
    if unit.startswith("share"):
        return f"{number(value * 100, 1)}%"
    return number(value)


# the evaluators' units: "<noun> per <n> residents", "share of <who>", or a plain noun
_PER = re.compile(r"^(?P<noun>.+?) per (?P<n>[0-9,]+) (?P<who>residents|people|population)$")


def _count_zh(digits: str) -> str:
    # 1,000 → 千, 10,000 → 万, 30,000 → 3万: how the plans write per-population bases
    n = int(digits.replace(",", ""))
    if n % 10_000 == 0:
        return "万" if n == 10_000 else f"{n // 10_000}万"
    if n == 1_000:
        return "千"
    return digits


def unit_label(unit: str, lang: Lang = DEFAULT_LANG) -> str:
    """Return an evaluator's unit in ``lang`` (``"beds per 1,000 residents"`` → ``"张/千人"``).

    Parameters
    ----------
    unit
        The unit as a :class:`geo.norms.RuleResult` carries it (English, from the evaluator).
    lang
        The reader's language; English units come back as they are.
    """
    if lang == "en" or not unit:
        return unit
    key = f"unit.{unit}"
    if has(key, lang):
        return text(key, lang)
    match = _PER.match(unit)
    if match:
        noun = unit_label(match.group("noun"), lang)
        return text("unit.per_residents", lang, noun=noun, n=_count_zh(match.group("n")))
    return unit


def amount_text(amount: float, unit: str, lang: Lang = DEFAULT_LANG) -> str:
    """Return a count with its unit as a planner writes it (``12 个机构``, ``5 辆救护车``).

    Parameters
    ----------
    amount
        How many, in ``unit``; whole counts show no decimals.
    unit
        The evaluator's (English) unit, e.g. ``"facilities"``, ``"beds"``, ``"residents"``.
    lang
        The reader's language; Chinese puts the unit's measure word (个, 辆, 张, 名 …) between
        the number and the noun (``count.<unit>`` keys of the catalogue).
    """
    digits = 0 if float(amount).is_integer() or amount >= 100 else 2
    shown = number(amount, digits)
    if has(f"count.{unit}", lang):
        return text(f"count.{unit}", lang, n=shown)
    return f"{shown} {unit_label(unit, lang)}".strip()


def outcome(
    status: str,
    *,
    shortfall: float | None,
    shortfall_unit: str,
    text_en: str,
    text_zh: str | None,
    lang: Lang = DEFAULT_LANG,
    value: float | None = None,
    target: float | None = None,
    unit: str = "",
) -> str:
    """Return a result's outcome sentence in ``lang``.

    English is the evaluator's sentence as it is. Chinese is the evaluator's Chinese sentence
    where it words one, otherwise one built here from the structured fields, as a planner
    writes it: what is missing with its measure word, then what there is against the target
    (``尚缺 3 个机构（现有 9 个机构，需 12 个机构）``), so no Chinese reader gets an English
    sentence.

    Parameters
    ----------
    status
        The result's status (``pass``, ``fail``, ``unknown``, ``info``, ``not_applicable``).
    shortfall, shortfall_unit
        How much is missing and in what (``14``, ``"ambulances"``); None when unknown.
    text_en, text_zh
        The evaluator's sentences; ``text_zh`` may be None.
    lang
        The reader's language.
    value, target, unit
        What was measured and what the rule requires, in ``unit`` (None when unknown).
    """
    if lang == "en":
        return text_en
    if text_zh:
        return text_zh
    if status == "fail" and shortfall is not None and shortfall > 0:
        if shortfall_unit.startswith("share"):
            said = text("outcome.short_share", lang, amount=number(shortfall * 100, 1))
        elif shortfall_unit == "residents":
            said = text("outcome.short_residents", lang, amount=number(shortfall, 0))
        else:
            said = text("outcome.short", lang, amount=amount_text(shortfall, shortfall_unit, lang))
        if value is None or target is None:
            return said
        if unit == shortfall_unit:
            has_text, need_text = amount_text(value, unit, lang), amount_text(target, unit, lang)
            return said + text("outcome.against", lang, value=has_text, target=need_text)
        # shares read as percentages; a rate keeps its unit after the number
        shown = "" if unit.startswith("share") else f" {unit_label(unit, lang)}"
        has_text = value_text(value, unit, lang) + shown
        need_text = value_text(target, unit, lang) + shown
        return said + text("outcome.against_share", lang, value=has_text, target=need_text)
    return text(f"outcome.{status}", lang) if has(f"outcome.{status}", lang) else ""
