"""A service error as the command line shows it: the message, then each detail on its own line,
in the reader's language (where in the file, the field, what is wrong)."""

from app.errors import AppError
from geo import messages
from geo.messages import Lang

# where a detail stands in an input file, in the order a reader looks for it
_PLACES = ("row", "line", "feature")


def detail_lines(exc: AppError, lang: Lang) -> list[str]:
    """The error's details, one line each: ``第 3 行、文件第 4 行：name：名称缺失或为空``.

    Parameters
    ----------
    exc
        The service error.
    lang
        The reader's language.
    """
    details = exc.localized_details(lang)
    if len(details) == 1 and details[0].get("msg") == exc.localized(lang):
        # the one detail is the message itself, already shown
        return []
    lines = []
    for detail in details:
        places = [
            messages.text(f"cli.error.{place}", lang, n=detail[place])
            for place in _PLACES
            if place in detail
        ]
        parts = [messages.text("pydantic.comma", lang).join(places)] if places else []
        parts += [str(detail[name]) for name in ("field", "msg") if detail.get(name)]
        lines.append("  " + messages.text("cli.error.separator", lang).join(parts))
    return lines
