"""Text fields that the database can store: no NUL character (PostgreSQL text cannot hold one).

A NUL would pass every length check and reach the database as a 500; refused here, the 422
names the field it came in.
"""

from typing import Annotated

from pydantic import AfterValidator

NUL_MESSAGE = "contains a NUL character (U+0000), which no text field can hold"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


PlainText = Annotated[str, AfterValidator(_no_nul)]
