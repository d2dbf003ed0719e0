"""Help texts of the ``fplan`` commands and options, from the message catalogue, Chinese first."""

from geo import messages


def both(key: str, /, **fields: object) -> str:
    """The catalogue's ``key`` in Chinese, then in English: ``中文 / English``."""
    return f"{messages.text(key, 'zh', **fields)} / {messages.text(key, 'en', **fields)}"
