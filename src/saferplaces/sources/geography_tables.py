"""Readers for the tabular geography files: population, IMD, LSOA-ward and LSOA11-LSOA21 lookups.

Each reader returns a frame shaped like its warehouse table plus a :class:`Skipped` tally of the
rows it could not use. Columns are found by name, whatever the case, spacing or punctuation
(``LSOA11CD``, ``lsoa11cd``, ``LSOA Code``, ``LSOA code (2011)`` ...), so ONS's own layouts and
the re-published copies in ``../shared/data`` both load.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from saferplaces.errors import InputFileError

__all__ = [
    "Skipped",
    "find_column",
    "lsoa_vintage",
    "norm",
    "read_csv_table",
    "read_imd",
    "read_lsoa_lookup",
    "read_lsoa_ward",
    "read_population",
    "valid_lsoa_code",
]

LSOA_CODE = re.compile(r"^[EW]01\d{6}$")


@dataclass
class Skipped:
    """Rows a reader could not use, by reason, with one example value per reason."""

    counts: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, reason: str, values: pd.Series) -> None:
        if len(values):
            self.counts[reason] += len(values)
            self.examples.setdefault(reason, str(values.iloc[0]))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        """``"3 rows skipped: 2 malformed LSOA code (e.g. 'X1'), 1 ..."`` or ``""``."""
        if not self.total:
            return ""
        parts = [f"{n:,} {r} (e.g. '{self.examples[r]}')" for r, n in self.counts.items()]
        return f"{self.total:,} rows skipped: " + ", ".join(parts)


def norm(name: str) -> str:
    """A column name reduced to lower-case letters and digits: ``'LSOA Code'`` -> ``'lsoacode'``.

    Examples
    --------
    >>> norm("\\ufeffLSOA code (2011)")
    'lsoacode2011'
    """
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def find_column(columns: list[str], *patterns: str) -> str | None:
    """The first column whose normalised name fully matches one of ``patterns`` (regexes)."""
    normed = {c: norm(c) for c in columns}
    for pattern in patterns:
        for col, n in normed.items():
            if re.fullmatch(pattern, n):
                return col
    return None


def lsoa_vintage(column: str) -> int | None:
    """The LSOA vintage a column name states: ``LSOA21CD`` -> 2021, ``LSOA code (2011)`` -> 2011."""
    m = re.search(r"(?:20)?(11|21)", norm(column).replace("lsoa", " "))
    return 2000 + int(m.group(1)) if m else None


@cache
def _lsoa11_codes() -> frozenset[str]:
    from saferplaces.geo.areas import bundled_lsoa11_areas

    return frozenset(bundled_lsoa11_areas().lsoa11_code)


def infer_vintage(codes: pd.Series) -> int:
    """2021 if any code is not a 2011 LSOA (a 2021 split or merge), else 2011."""
    return 2021 if not set(codes).issubset(_lsoa11_codes()) else 2011


def valid_lsoa_code(codes: pd.Series, skipped: Skipped) -> pd.Series:
    """Boolean mask of England/Wales LSOA codes; the rest are tallied in ``skipped``."""
    ok = codes.str.fullmatch(LSOA_CODE.pattern).fillna(False).astype(bool)
    skipped.add("not an England or Wales LSOA code", codes[~ok])
    return ok


def read_csv_table(path: Path) -> pd.DataFrame:
    """Read a CSV as strings (BOM removed, thousands separators left for :func:`to_number`)."""
    try:
        frame = pd.read_csv(
            path, dtype=str, encoding="utf-8-sig", keep_default_na=False, skipinitialspace=True
        )
    except FileNotFoundError:
        raise InputFileError(str(path), "no such file") from None
    except UnicodeDecodeError as e:
        raise InputFileError(
            str(path), f"is not UTF-8 text (byte 0x{e.object[e.start]:02X}); save it as UTF-8 CSV"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputFileError(str(path), "is empty; expected a CSV with a header line") from None
    except (pd.errors.ParserError, ValueError) as e:
        raise InputFileError(str(path), f"is not a readable CSV ({e})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda s: s.str.strip())


def to_number(values: pd.Series) -> pd.Series:
    """``"1,954"`` -> 1954.0; blanks and text -> NaN."""
    return pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")


def _require(path: Path, frame: pd.DataFrame, what: str, found: dict[str, str | None]) -> None:
    missing = [name for name, col in found.items() if col is None]
    if missing:
        raise InputFileError(
            str(path),
            f"is not {what}: no column for {', '.join(missing)} "
            f"(columns are {', '.join(frame.columns[:12])})",
        )


_CODE_PATTERNS = (
    r"lsoa(11|21)cd",
    r"lsoa(20)?(11|21)code",
    r"lsoacode(20)?(11|21)?",
    r"lsoa",
    r"geographycode",
)


def read_population(
    path: Path, vintage: int | None, year: int | None
) -> tuple[pd.DataFrame, Skipped, int, int]:
    """Residents per LSOA: ``(frame[lsoa_code, residents], skipped, vintage, year)``.

    Recognised: ONS mid-year estimates (``LSOA Code``/``LSOA 2021 Code`` + ``All Ages``/``Total``),
    Census 2011 usual residents (first ``Persons`` column), mySociety ``lsoa,pop``.
    """
    frame = read_csv_table(path)
    code = find_column(list(frame.columns), *_CODE_PATTERNS)
    value = find_column(
        list(frame.columns),
        r"allages",
        r"allusualresidents",
        r"persons",
        r"pop",
        r"population",
        r"residents",
        r"total",
        r"obsvalue",
    )
    _require(path, frame, "a population file", {"an LSOA code": code, "residents": value})
    assert code is not None and value is not None
    skipped = Skipped()
    residents = to_number(frame[value])
    # A second header line (the census file's "All usual residents" row) is not data.
    if len(frame) and pd.isna(residents.iloc[0]) and not LSOA_CODE.match(frame[code].iloc[0]):
        frame, residents = frame.iloc[1:], residents.iloc[1:]
    ok = valid_lsoa_code(frame[code], skipped)
    skipped.add("residents not a number", frame.loc[ok & residents.isna(), value])
    ok &= residents.notna()
    out = pd.DataFrame({"lsoa_code": frame.loc[ok, code], "residents": residents[ok]})
    out = out.drop_duplicates("lsoa_code", keep="last")
    vintage = vintage or lsoa_vintage(code) or infer_vintage(out.lsoa_code)
    year = year or _year_from(path, frame.columns)
    return out, skipped, vintage, year


def _year_from(path: Path, columns: pd.Index) -> int:
    """The population year: from a column such as ``Mid-2019`` (not ``LSOA 2021 Code``: that is
    the boundaries' vintage), else the file name."""
    geography = re.compile(r"code|name|cd$|nm$|lsoa|lad|msoa|ward|geography")
    candidates = [str(c) for c in columns if not geography.search(norm(str(c)))]
    for text in (*candidates, path.stem):
        m = re.search(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)", text)
        if m:
            return int(m.group(1))
    raise InputFileError(
        str(path), "does not say which year its population is for; give it with --year"
    )


def read_imd(path: Path) -> tuple[pd.DataFrame, Skipped]:
    """IMD 2019 per LSOA11: ``frame[lsoa_code, score, rank, decile]``.

    Recognised: ONS/MHCLG File_1/File_5/File_7 (``LSOA code (2011)``, ``Index of Multiple
    Deprivation (IMD) Score/Rank/Decile``) and mySociety ``UK_IMD_E.csv`` (English rows,
    ``overall_local_score`` and ``original_decile``; it has no English rank).
    """
    frame = read_csv_table(path)
    cols = list(frame.columns)
    code = find_column(cols, *_CODE_PATTERNS)
    score = find_column(cols, r"indexofmultipledeprivationimdscore.*", r"overalllocalscore")
    rank = find_column(cols, r"indexofmultipledeprivationimdrank.*")
    decile = find_column(cols, r"indexofmultipledeprivationimddecile.*", r"originaldecile")
    imd = score or rank or decile
    _require(path, frame, "an IMD file", {"an LSOA code": code, "IMD score, rank or decile": imd})
    assert code is not None
    nation = find_column(cols, r"nation")
    if nation is not None:
        # mySociety's composite file: only the English rows carry the IoD2019 values.
        frame = frame[frame[nation] == "E"]
    skipped = Skipped()
    ok = valid_lsoa_code(frame[code], skipped)
    frame = frame[ok]

    def number(col: str | None) -> pd.Series:
        return to_number(frame[col]) if col else pd.Series(float("nan"), index=frame.index)

    out = pd.DataFrame(
        {
            "lsoa_code": frame[code],
            "score": number(score),
            "rank": number(rank).astype("Int64"),
            "decile": number(decile).astype("Int64"),
        }
    )
    return out.drop_duplicates("lsoa_code", keep="last"), skipped


def read_lsoa_ward(path: Path) -> tuple[pd.DataFrame, Skipped]:
    """LSOA -> ward -> local authority (ONS ``LSOA21_WD24_LAD24`` layout and similar)."""
    frame = read_csv_table(path)
    cols = list(frame.columns)
    found = {
        "an LSOA code": find_column(cols, *_CODE_PATTERNS),
        "a ward code (e.g. WD24CD)": find_column(cols, r"wd\d\dcd", r"wardcode"),
    }
    _require(path, frame, "an LSOA-to-ward lookup", found)
    code, ward = found.values()
    assert code is not None and ward is not None
    skipped = Skipped()
    ok = valid_lsoa_code(frame[code], skipped)
    frame = frame[ok]

    def col(*patterns: str) -> pd.Series | None:
        c = find_column(cols, *patterns)
        return frame[c].replace("", None) if c else None

    out = pd.DataFrame(
        {
            "lsoa_code": frame[code],
            "ward_code": frame[ward],
            "ward_name": col(r"wd\d\dnm", r"wardname"),
            "lad_code": col(r"lad\d\dcd", r"ladcd", r"ladcdactive"),
            "lad_name": col(r"lad\d\dnm", r"ladnm"),
        }
    )
    return out.drop_duplicates("lsoa_code", keep="last"), skipped


def read_lsoa_lookup(path: Path) -> tuple[pd.DataFrame, Skipped, bool]:
    """LSOA11 -> LSOA21 rows ``[lsoa11_code, lsoa21_code, change, weight, best_fit]``.

    Returns the frame, the skipped tally and whether the file is a best-fit lookup (one LSOA21
    per LSOA11 and no change category, like ONS's best-fit V2). In an exact-fit file an LSOA11
    with a single row is its own best fit; a split LSOA11's rows are not best fits.
    ``weight`` is the share of the LSOA11's residents in the LSOA21 (``Prop21of11``, else
    ``TotPersons / LSOA11Denom``, else 1 for an unchanged LSOA).
    """
    frame = read_csv_table(path)
    cols = list(frame.columns)
    found = {
        "the LSOA 2011 code": find_column(cols, r"lsoa11cd", r"lsoa(20)?11code", r"lsoacode2011"),
        "the LSOA 2021 code": find_column(cols, r"lsoa21cd", r"lsoa(20)?21code", r"lsoacode2021"),
    }
    _require(path, frame, "an LSOA 2011 to 2021 lookup", found)
    c11, c21 = found.values()
    assert c11 is not None and c21 is not None
    skipped = Skipped()
    ok = valid_lsoa_code(frame[c11], skipped) & valid_lsoa_code(frame[c21], skipped)
    frame = frame[ok]
    category = find_column(cols, r"category", r"chgind", r"changeindicator")
    change = frame[category].str.upper().replace("", None) if category else None
    weight = _lookup_weight(frame, cols)
    once = ~frame[c11].duplicated(keep=False)
    best_fit_file = category is None and weight is None and bool(once.all())
    out = pd.DataFrame(
        {
            "lsoa11_code": frame[c11],
            "lsoa21_code": frame[c21],
            "change": change,
            "weight": weight,
            "best_fit": once,
        }
    )
    if weight is None:
        # Unchanged LSOAs give all their residents to their one successor.
        out["weight"] = (out.lsoa11_code == out.lsoa21_code).map({True: 1.0, False: None})
    return out.drop_duplicates(["lsoa11_code", "lsoa21_code"], keep="last"), skipped, best_fit_file


def _lookup_weight(frame: pd.DataFrame, cols: list[str]) -> pd.Series | None:
    share = find_column(cols, r"prop21of11")
    if share is not None:
        return to_number(frame[share])
    persons, denom = find_column(cols, r"totpersons"), find_column(cols, r"lsoa11denom")
    if persons and denom:
        return to_number(frame[persons]) / to_number(frame[denom])
    return None
