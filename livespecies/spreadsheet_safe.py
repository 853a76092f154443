"""Every CSV the program writes is safe to open in a spreadsheet (OWASP "CSV injection").

A photo named ``=HYPERLINK("http://…").jpg``, or a class a user named so, would land in a cell as a live formula.
A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading ``'``,
which spreadsheets show as text and do not evaluate. Plain numbers (``-12.5``, ``+3``) cannot be formulas and
are left alone, so negative coordinates stay numbers for the programs that read the files back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should receive it: text that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def safe_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: safe_cell(value) for key, value in row.items()}


def unguarded(value: str) -> str:
    """What was written through ``safe_cell``, read back (labels.csv is read by training)."""
    if value.startswith("'") and value[1:].startswith(TRIGGERS) and not _NUMBER.fullmatch(value[1:]):
        return value[1:]
    return value
