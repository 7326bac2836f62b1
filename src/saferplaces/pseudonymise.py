"""Keyed pseudonyms for identifier columns, run by the data owner before data leave it.

Each identifier is replaced by the first 32 hexadecimal characters (128 bits) of
HMAC-SHA256(key, identifier). The same key gives the same pseudonym for the same identifier in
every file and every agency, so records link without names; without the key a pseudonym cannot be
reversed or recomputed from a guessed identifier. With 128 bits, the chance that any two of
n different identifiers share a pseudonym is below n² / 2¹²⁹: about 10⁻²¹ for a billion.

Identifiers are compared exactly after trimming surrounding spaces: partners agree how to write an
identifier (for example an NHS number without spaces) before they pseudonymise. Blank cells stay
blank. The file is streamed row by row, so it may be larger than memory.

The key file must exist, hold at least 32 bytes, and never lie inside a saferplaces workspace:
a key stored beside the pseudonymised data would undo the pseudonymisation.

Examples
--------
>>> pseudonym(b"k" * 32, "AB123")
'f51f4e82123eb5da87edd82a3a819e66'
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from saferplaces.errors import SaferplacesError
from saferplaces.settings import SETTINGS_FILE

__all__ = ["MIN_KEY_BYTES", "PSEUDONYM_HEX", "PseudonymiseResult", "pseudonym", "pseudonymise_csv",
           "read_key"]  # fmt: skip

MIN_KEY_BYTES = 32
PSEUDONYM_HEX = 32  # hex characters kept: 128 bits


@dataclass
class PseudonymiseResult:
    """What :func:`pseudonymise_csv` did."""

    rows: int
    columns: list[str]
    values: int  # non-blank identifiers replaced
    out: Path


def pseudonym(key: bytes, identifier: str) -> str:
    """The pseudonym of one identifier (surrounding spaces trimmed; blank stays blank)."""
    value = identifier.strip()
    if not value:
        return ""
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX]


def read_key(key_file: Path, workspace: Path | None = None) -> bytes:
    """The key: the file's bytes without a trailing newline.

    Raises
    ------
    SaferplacesError
        When the file is missing, shorter than 32 bytes, or inside a workspace (``workspace``,
        or any folder holding ``saferplaces.toml`` above the key).
    """
    key_file = Path(key_file)
    if not key_file.is_file():
        raise SaferplacesError(
            f"key file {key_file} not found; the data owner creates one outside the workspace "
            'with `python -c "import secrets; print(secrets.token_hex(32))" > KEYFILE`'
        )
    where = key_file.resolve()
    inside = [d for d in where.parents if (d / SETTINGS_FILE).is_file()]
    if workspace is not None and where.is_relative_to(Path(workspace).resolve()):
        inside.insert(0, Path(workspace).resolve())
    if inside:
        raise SaferplacesError(
            f"key file {key_file} is inside the workspace {inside[0]}; keys never enter a "
            "workspace (anyone with the data and the key can test guesses): move it elsewhere, "
            "for example to a folder only the data owner can read"
        )
    key = key_file.read_bytes().rstrip(b"\r\n")
    if len(key) < MIN_KEY_BYTES:
        raise SaferplacesError(
            f"key file {key_file} holds {len(key)} bytes; a key needs at least {MIN_KEY_BYTES} "
            '(make one with `python -c "import secrets; print(secrets.token_hex(32))"`)'
        )
    return key


def pseudonymise_csv(
    src: Path, out: Path, columns: list[str], key_file: Path, workspace: Path | None = None
) -> PseudonymiseResult:
    """Write ``src`` to ``out`` with ``columns`` replaced by their pseudonyms.

    Parameters
    ----------
    src, out : Path
        UTF-8 CSV files with a header line; ``out`` keeps the header and every other column.
    columns : list of str
        Identifier columns, named as in the header.
    key_file : Path
        The shared key (see :func:`read_key`).
    workspace : Path, optional
        A workspace the key must not lie in (any folder with ``saferplaces.toml`` is refused
        anyway).

    Returns
    -------
    PseudonymiseResult
    """
    key = read_key(key_file, workspace)
    src, out = Path(src), Path(out)
    if not src.is_file():
        raise SaferplacesError(f"{src}: no such file")
    if out.resolve() == src.resolve():
        raise SaferplacesError(f"{out}: the output must be a new file, not the input")
    tmp = out.with_name(out.name + ".part")
    rows = values = 0
    try:
        with (
            src.open(encoding="utf-8-sig", newline="") as fin,
            tmp.open("w", encoding="utf-8", newline="") as fout,
        ):
            reader = csv.reader(fin)
            header = next(reader, None)
            if header is None:
                raise SaferplacesError(f"{src}: is empty; expected a CSV with a header line")
            missing = [c for c in columns if c not in header]
            if missing:
                raise SaferplacesError(
                    f"{src}: has no column {', '.join(missing)} (its columns: {', '.join(header)})"
                )
            where = [header.index(c) for c in columns]
            writer = csv.writer(fout, lineterminator="\n")
            writer.writerow(header)
            for row in reader:
                for i in where:
                    if i < len(row) and row[i].strip():
                        row[i] = pseudonym(key, row[i])
                        values += 1
                writer.writerow(row)
                rows += 1
        os.replace(tmp, out)
    except UnicodeDecodeError as e:
        raise SaferplacesError(
            f"{src}: is not UTF-8 text ({e.reason} at byte {e.start} of a block); save it as "
            "UTF-8 and try again"
        ) from None
    except csv.Error as e:
        raise SaferplacesError(f"{src}: cannot be read as CSV ({e})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return PseudonymiseResult(rows=rows, columns=columns, values=values, out=out)
