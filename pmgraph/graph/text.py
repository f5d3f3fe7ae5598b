"""Source texts: repair their broken characters and check evidence quotes against them."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import ftfy

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_WHITESPACE = re.compile(r"\s+")


def repair(text: str) -> str:
    """Repair mojibake (UTF-8 that was decoded as another encoding) in ``text``.

    The sources mix correctly decoded characters (``’``, ``–``) with mis-decoded ones
    (``¬†``, ``‚Äì``) on the same line, so ftfy cannot re-decode a whole line at once; each run
    of non-ASCII characters is repaired on its own. Quotes are left curly.
    """
    return _NON_ASCII_RUN.sub(lambda m: ftfy.fix_encoding(m.group()), text)


def fold_whitespace(text: str) -> str:
    """Fold every run of white space (no-break spaces and line breaks included) into one space."""
    return _WHITESPACE.sub(" ", text).strip()


@lru_cache(maxsize=32)
def source_text(path: Path) -> str:
    """The repaired, white-space-folded text of the source file at ``path``."""
    return fold_whitespace(repair(Path(path).read_text(encoding="utf-8")))


def quote_occurs(quote: str, path: Path) -> bool:
    """True when ``quote`` (white space folded) occurs verbatim in the source at ``path``."""
    return fold_whitespace(quote) in source_text(Path(path))
