"""Home Office offence codes, each force's offence mix, and category weights derived from them.

data.police.uk records carry only a category ("Burglary"), while official weights such as the
ONS Crime Severity Score are given per Home Office offence code ("28E Burglary Residential").
The category weight for a force is the offence-weighted mean of its codes' weights:

    weight(category, force) = sum over codes c in category of share(c | category, force) x w(c)

where share(c | category, force) is the force's recorded offences with code c divided by its
recorded offences in the category, from the Home Office police recorded crime tables for
2017/18 (bundled; see data/ATTRIBUTION.md).

Examples
--------
>>> mix = offence_mix("west-mercia")
>>> int(mix.offences.sum())
84350
>>> round(float(mix[mix.category == "Robbery"].share_in_category.sum()), 12)
1.0
"""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from typing import Literal

import pandas as pd

from saferplaces.errors import SaferplacesError
from saferplaces.geo.areas import force_slug
from saferplaces.harm.scheme import (
    HarmScheme,
    canonical_category,
    canonical_offence_code,
    home_office_codes,
)

__all__ = ["MIX_YEAR", "derive_category_weights", "forces", "offence_codes", "offence_mix"]

MIX_YEAR = "2017/18"
# Fraud is recorded nationally by these bodies, not by forces (and is not in data.police.uk).
_NOT_FORCES = ("Action Fraud", "CIFAS", "Financial Fraud Action UK", "UK Finance")
# Home Office force names whose force_slug differs from the data.police.uk slug.
_SLUG_ALIASES = {"london-city-of": "city-of-london", "british-transport": "btp"}


def _category(raw: str) -> str:
    c = canonical_category(raw)
    if c is None:  # pragma: no cover - the bundled files are checked by the build script
        raise SaferplacesError(f"bundled offence data: unknown category '{raw}'")
    return c


@cache
def offence_codes() -> pd.DataFrame:
    """Every Home Office offence code with its description, group and police.uk category.

    Returns
    -------
    DataFrame
        ``code``, ``description``, ``group``, ``subgroup``, ``category`` (all str). ``category``
        is the data.police.uk category spelled as in ``CRIME_TYPES``. Combined codes such as
        ``1/4.1/4.10/4.2`` (homicide) are one row, as the Home Office publishes them.

    Examples
    --------
    >>> codes = offence_codes()
    >>> len(codes), codes.set_index("code").loc["46", "category"]
    (132, 'Shoplifting')
    """
    raw = home_office_codes()
    return pd.DataFrame(
        {
            "code": raw.Offence_Code,
            "description": raw.Offence_Description,
            "group": raw.Offence_Group,
            "subgroup": raw.Offence_Subgroup,
            "category": raw["Police.uk_Cat"].map(_category),
        }
    )


@cache
def _mix_table() -> pd.DataFrame:
    path = resources.files("saferplaces.data").joinpath("offence_mix_201718.csv.gz")
    with resources.as_file(path) as p:
        t = pd.read_csv(
            p,
            dtype=str,
            keep_default_na=False,
            compression="gzip",
        )
    t["Number_of_Offences"] = t.Number_of_Offences.astype("int64")
    t = t[~t.Force_Name.isin(_NOT_FORCES)].copy()
    slugs = t.Force_Name.map(force_slug)
    t["force"] = slugs.map(lambda s: _SLUG_ALIASES.get(s, s))
    t["category"] = t.Policeuk_Cat.map(_category)
    return t


def forces() -> list[str]:
    """The data.police.uk slugs of the forces with an offence mix (43 forces in England and
    Wales and British Transport Police), sorted."""
    return sorted(_mix_table().force.unique())


def _resolve_force(force: str) -> str:
    slug = force_slug(force)
    slug = _SLUG_ALIASES.get(slug, slug)
    known = forces()
    if slug in known:
        return slug
    close = difflib.get_close_matches(slug, known, n=3, cutoff=0.5)
    hint = (
        "did you mean " + " or ".join(close) + "?" if close else "known forces: " + ", ".join(known)
    )
    raise SaferplacesError(f"no {MIX_YEAR} offence mix for force '{force}'; {hint}")


def offence_mix(force: str) -> pd.DataFrame:
    """A force's recorded offences by Home Office code, 2017/18, with shares within category.

    Parameters
    ----------
    force : str
        Force name or data.police.uk slug ("West Mercia Police", "west-mercia").

    Returns
    -------
    DataFrame
        One row per code the force recorded (zero-count codes kept): ``offence_code`` (str),
        ``description`` (str), ``category`` (str, as in ``CRIME_TYPES``), ``offences``
        (int64, the four quarters summed) and ``share_in_category`` (float64, offences /
        the force's offences in that category; sums to 1 within each category).
        Sorted by category and code.
    """
    slug = _resolve_force(force)
    t = _mix_table()
    t = t[t.force == slug]
    out = pd.DataFrame(
        {
            "offence_code": t.Offence_Code.astype(object),
            "description": t.Offence_Description.astype(object),
            "category": t.category.astype(object),
            "offences": t.Number_of_Offences.astype("int64"),
        }
    ).sort_values(["category", "offence_code"], ignore_index=True)
    totals = out.groupby("category").offences.transform("sum")
    out["share_in_category"] = (out.offences / totals.where(totals > 0)).astype("float64")
    return out


def _check_mix(mix: pd.DataFrame) -> pd.DataFrame:
    need = {"offence_code", "category", "offences"}
    if not need <= set(mix.columns):
        raise SaferplacesError(
            f"an offence mix needs columns {', '.join(sorted(need))}; got {', '.join(mix.columns)}"
        )
    out = mix.copy()
    if "description" not in out:
        out["description"] = ""
    cats = out.category.astype(str).map(canonical_category)
    if cats.isna().any():
        bad = sorted(set(out.category[cats.isna()].astype(str)))
        raise SaferplacesError(f"offence mix: unknown data.police.uk categories {bad}")
    out["category"] = cats
    codes = out.offence_code.astype(str)
    out["offence_code"] = codes.map(lambda c: canonical_offence_code(c) or c)
    if (out.offences < 0).any():
        raise SaferplacesError("offence mix: offence counts must be >= 0")
    return out


def derive_category_weights(
    code_scheme: HarmScheme,
    force: str,
    missing: Literal["error", "exclude"] = "error",
    mix: pd.DataFrame | None = None,
) -> HarmScheme:
    """Category weights for one force from a code-level scheme and the force's offence mix.

    weight(category, force) = sum over codes of share(code | category, force) x weight(code).

    Parameters
    ----------
    code_scheme : HarmScheme
        Keyed by ``offence_code``.
    force : str
        Force name or slug.
    missing : {"error", "exclude"}
        What to do when the force recorded offences under codes the scheme has no weight for.
        ``"error"`` (default) stops and lists them with their offences. ``"exclude"`` leaves
        them out and takes shares over the covered codes; the share of each category's offences
        that was covered is kept in ``coverage`` and stated in the provenance. A category with
        no covered offences gets no weight.
    mix : DataFrame, optional
        An offence mix to use instead of the bundled 2017/18 one (columns ``offence_code``,
        ``category``, ``offences``; ``description`` optional), for example a force's own
        recorded-crime counts. ``force`` then only names the result.

    Returns
    -------
    HarmScheme
        Keyed by ``category``, named ``NAME-derived-FORCE``, with the base scheme's version and
        status (an official base stays official but is labelled as derived, never as "ONS Crime
        Severity Score"), and provenance saying how it was made.
    """
    if code_scheme.key != "offence_code":
        raise SaferplacesError(
            f"harm scheme {code_scheme.name} is keyed by {code_scheme.key}; category weights "
            "are derived only from schemes keyed by offence_code"
        )
    if mix is None:
        slug, year = _resolve_force(force), MIX_YEAR
        mix = offence_mix(slug)
    else:
        slug, year = force_slug(force), "given"
        mix = _check_mix(mix)
    mix = mix[mix.offences > 0]
    covered = mix.offence_code.isin(list(code_scheme.weights))
    if missing == "error" and not covered.all():
        gap = mix[~covered].sort_values("offences", ascending=False)
        listed = ", ".join(
            f"{r.offence_code} {r.description}".strip() + f" ({r.offences})"
            for r in gap.head(8).itertuples()
        )
        more = f" and {len(gap) - 8} more" if len(gap) > 8 else ""
        raise SaferplacesError(
            f"harm scheme {code_scheme.name} has no weight for {len(gap)} offence codes that "
            f"{slug} recorded ({year} offence mix): {listed}{more}; add weights for them, or "
            "exclude them (library: missing='exclude'; CLI: --exclude-missing)"
        )
    # Shares over covered codes only; coverage records what was left out.
    cat_total = mix.groupby("category").offences.sum()
    kept = mix[covered].copy()
    kept["w"] = kept.offence_code.map(code_scheme.weights).astype("float64")
    kept_total = kept.groupby("category").offences.sum()
    weighted = (kept.offences * kept.w).groupby(kept.category).sum()
    weights = {c: float(weighted[c] / kept_total[c]) for c in kept_total.index if kept_total[c]}
    coverage = {c: float(kept_total.get(c, 0) / cat_total[c]) for c in cat_total.index}
    short = {c: v for c, v in coverage.items() if v < 1}
    note = (
        "; codes without a weight excluded, share of offences covered: "
        + ", ".join(f"{c} {v:.1%}" for c, v in sorted(short.items()))
        if short
        else ""
    )
    source = " (Home Office police recorded crime)" if year == MIX_YEAR else ""
    how = (
        f"{code_scheme.name} v{code_scheme.version} weighted by the {year} {slug} offence mix"
        f"{source}"
    )
    return HarmScheme(
        name=f"{code_scheme.name}-derived-{slug}",
        version=code_scheme.version,
        key="category",
        status=code_scheme.status,
        provenance=(
            f"derived: weight(category) = sum over codes of share(code | category, {slug}, "
            f"{year}) x weight(code) from {how}{note}. Base provenance: "
            f"{code_scheme.provenance}"
        ),
        description=code_scheme.description,
        weights=weights,
        derived_from=how,
        coverage=coverage,
    )
