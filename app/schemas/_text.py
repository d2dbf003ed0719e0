"""Text fields that the database can store: no NUL character (PostgreSQL text cannot hold one).

A NUL would pass every length check and reach the database as a 500; refused here, the 422
names the field it came in.
"""

from typing import Annotated

from pydantic import AfterValidator

from geo.messages.pydantic import WordedValueError


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise WordedValueError("error.text.nul")
    return value


PlainText = Annotated[str, AfterValidator(_no_nul)]
