"""The text of an uploaded register: its encoding found honestly, or the file refused.

Chinese registers come as UTF-8 (with or without BOM; Excel's "CSV UTF-8"), UTF-16 with a BOM
(Excel's "Unicode text"), or GB18030/GBK (Excel's default on a Chinese Windows, with or without
GB18030's BOM). Big5 (traditional Chinese) decodes as GBK too, into other characters: it is told
apart and refused rather than stored as mojibake. A refusal names the line where it fails.
"""

from typing import Any

from app.errors import InvalidInputError

# byte order marks: UTF-8 (Excel's "CSV UTF-8"), UTF-16 (Excel's "Unicode text"), GB18030
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\x84\x31\x95\x33", "gb18030"),
)
# Big5 text read as GBK lands, for most characters, outside GB2312 (rare or traditional forms):
# a file where that share of its Chinese characters is this high and that reads as Big5 too is
# Big5. A real GBK register outside GB2312 has a name or two (镕, 堃), not a third of its text.
_BIG5_SHARE = 0.25


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _refuse_encoding(msg: str, line: int | None = None) -> InvalidInputError:
    detail: dict[str, Any] = {"field": "file", "msg": msg}
    if line is not None:
        detail["line"] = line
    return InvalidInputError(msg, details=[detail])


def _outside_gb2312(text: str) -> list[int]:
    """Indexes of the non-ASCII characters of ``text`` that GB2312 has no code for."""
    out = []
    for i, char in enumerate(text):
        if ord(char) < 0x80:
            continue
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            out.append(i)
    return out


def decode_text(content: bytes) -> str:
    """The file's text: UTF-8 (BOM or not), UTF-16 with a BOM, or GB18030/GBK.

    Refused, naming the line where it fails: bytes that are none of these, and Big5 (which
    decodes as GBK into other, wrong characters).
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            try:
                return content[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                line = content[len(bom) : len(bom) + exc.start].count(b"\n") + 1
                msg = (
                    f"the file starts as {encoding} but line {line} is not {encoding} text / "
                    f"文件以 {encoding} 开头，但第 {line} 行不是 {encoding} 编码"
                )
                raise _refuse_encoding(msg, line) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_line = content[: exc.start].count(b"\n") + 1
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        msg = (
            f"line {utf8_line} is not UTF-8 text, and the file is not GB18030/GBK either; "
            f"save it as UTF-8 CSV / 第 {utf8_line} 行不是 UTF-8 编码，文件也不是 GB18030/GBK "
            "编码；请另存为 UTF-8 CSV"
        )
        raise _refuse_encoding(msg, utf8_line) from None
    chinese = sum(1 for char in text if ord(char) >= 0x80)
    rare = _outside_gb2312(text)
    if chinese and len(rare) / chinese >= _BIG5_SHARE:
        try:
            content.decode("big5")
        except UnicodeDecodeError:
            return text
        line = _line_of(text, rare[0])
        msg = (
            f"the file looks like Big5 (traditional Chinese; line {line} reads as GBK only as "
            f"rare characters); save it as UTF-8 CSV / 文件似为 Big5 繁体编码（第 {line} 行按 "
            "GBK 只能读出生僻字）；请另存为 UTF-8 CSV"
        )
        raise _refuse_encoding(msg, line)
    return text
