"""The text of an uploaded register: its encoding found honestly, or the file refused.

Chinese registers come as UTF-8 (with or without BOM; Excel's "CSV UTF-8"), UTF-16 with a BOM
(Excel's "Unicode text"), or GB18030/GBK (Excel's default on a Chinese Windows, with or without
GB18030's BOM). Big5 (traditional Chinese) decodes as GBK too, into other characters: it is told
apart and refused rather than stored as mojibake. A refusal names the line where it fails.
"""

from app.errors import InvalidInputError, Worded

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


def _refuse_encoding(key: str, line: int, **fields: str) -> InvalidInputError:
    detail = {"field": "file", "line": line, "msg": Worded(key, line=line, **fields)}
    return InvalidInputError.worded(key, details=[detail], line=line, **fields)


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
                raise _refuse_encoding("error.encoding.bom", line, encoding=encoding) from None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_line = content[: exc.start].count(b"\n") + 1
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        raise _refuse_encoding("error.encoding.unknown", utf8_line) from None
    chinese = sum(1 for char in text if ord(char) >= 0x80)
    rare = _outside_gb2312(text)
    if chinese and len(rare) / chinese >= _BIG5_SHARE:
        try:
            content.decode("big5")
        except UnicodeDecodeError:
            return text
        line = _line_of(text, rare[0])
        raise _refuse_encoding("error.encoding.big5", line)
    return text
