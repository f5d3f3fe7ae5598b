"""Text made safe for where it goes: a terminal line, a spreadsheet cell, an XML document."""

from __future__ import annotations

import re

#: C0 and C1 controls, DEL and the Unicode line separators: a terminal acts on them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: OWASP's CSV injection list: a spreadsheet treats such a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def one_line(text: str) -> str:
    """``text`` safe to print on one terminal line: control characters (escape sequences,
    bell, line breaks) shown as ``\\n``, ``\\x1b`` etc. instead of acted on."""
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), f"\\x{ord(m.group()):02x}")
                        if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def spreadsheet_safe(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula (it starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return); numbers such as ``-3.179``
    are left as they are."""
    if value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


#: Characters XML 1.0 does not allow in a document, even escaped (C0 controls other than tab,
#: line feed and carriage return; lone surrogates; U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 forbids replaced by U+FFFD (the replacement
    character), so that GraphML and GEXF files stay well-formed."""
    return _NOT_XML.sub("\ufffd", text)
