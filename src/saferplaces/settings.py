"""Workspace settings, read from ``saferplaces.toml`` with ``SAFERPLACES_*`` environment overrides.

The file is the partnership's own record of what the workspace is for (its area) and how places
are defined (localities). Environment variables override single values, for example
``SAFERPLACES_GEOGRAPHY__VINTAGE=2011``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from saferplaces.errors import SaferplacesError

__all__ = [
    "SETTINGS_FILE",
    "AbnormalPeriod",
    "AreaSettings",
    "GeographySettings",
    "LocalitySettings",
    "MonitoringSettings",
    "PartnershipSettings",
    "Settings",
]

SETTINGS_FILE = "saferplaces.toml"


class AreaSettings(BaseModel):
    """The local authority the partnership covers."""

    code: str
    name: str
    police_force: str | None = None


class GeographySettings(BaseModel):
    """Which LSOA vintage records are resolved onto."""

    vintage: int = 2021

    @field_validator("vintage")
    @classmethod
    def _known_vintage(cls, v: int) -> int:
        if v not in (2011, 2021):
            raise ValueError(f"LSOA vintage must be 2011 or 2021, not {v}")
        return v


class LocalitySettings(BaseModel):
    """A named set of LSOAs: by LSOA codes, by wards (names or codes), or by a polygon file."""

    lsoas: list[str] = Field(default_factory=list)
    wards: list[str] = Field(default_factory=list)
    polygon: str | None = None
    description: str | None = None


class AbnormalPeriod(BaseModel):
    """Months left out of trend baselines (for example the 2020 lockdowns)."""

    period: str  # "2020-03..2020-06", parsed by saferplaces.periods.Period
    reason: str = ""


class MonitoringSettings(BaseModel):
    """Emerging-trend monitoring."""

    abnormal: list[AbnormalPeriod] = Field(default_factory=list)


class PartnershipSettings(BaseModel):
    """Where the delivery side (priorities, actions, KPIs, DHRs) is stored."""

    # SQLAlchemy URL; None means the SQLite file partnership.db in the workspace.
    database_url: str | None = None


class Settings(BaseSettings):
    """Everything ``saferplaces.toml`` holds."""

    model_config = SettingsConfigDict(
        env_prefix="SAFERPLACES_", env_nested_delimiter="__", extra="forbid"
    )

    name: str
    area: AreaSettings
    geography: GeographySettings = Field(default_factory=GeographySettings)
    localities: dict[str, LocalitySettings] = Field(default_factory=dict)
    # force slug -> local marker code -> saferplaces marker (filled by the extract issue)
    markers: dict[str, dict[str, str]] = Field(default_factory=dict)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    partnership: PartnershipSettings = Field(default_factory=PartnershipSettings)
    _file_data: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first so that SAFERPLACES_* overrides the file.
        return (env_settings, init_settings)

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read and validate a ``saferplaces.toml``; one clear line on any problem."""
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise SaferplacesError(f"{path}: not valid TOML ({e})") from None
        except UnicodeDecodeError:
            raise SaferplacesError(f"{path}: not UTF-8 text") from None
        try:
            settings = cls(**raw)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise SaferplacesError(f"{path}: {where}: {err['msg']}") from None
        settings._file_data = raw
        return settings

    def save(self, path: Path) -> None:
        """Write the settings back as TOML (empty sections left out)."""
        data: dict[str, Any] = self.model_dump(exclude_none=True)
        _restore_env_overrides(data, self._file_data)
        for key in ("localities", "markers"):
            if not data[key]:
                del data[key]
        if not data["monitoring"]["abnormal"]:
            del data["monitoring"]
        if not data["partnership"]:
            del data["partnership"]
        path.write_text(tomli_w.dumps(data), encoding="utf-8")


def _restore_env_overrides(data: dict[str, Any], file_data: dict[str, Any]) -> None:
    """Put back the file's own values where a SAFERPLACES_* variable overrode them.

    An override is for this run only; saving must not write it into saferplaces.toml.
    """
    prefix = Settings.model_config.get("env_prefix", "")
    for key in os.environ:
        if not key.upper().startswith(str(prefix).upper()):
            continue
        path = key[len(str(prefix)) :].lower().split("__")
        if path[0] not in Settings.model_fields:
            continue
        target, source = data, file_data
        for part in path[:-1]:
            target = target.get(part) if isinstance(target, dict) else None  # type: ignore[assignment]
            source = source.get(part, {}) if isinstance(source, dict) else {}
        if not isinstance(target, dict):
            continue
        if isinstance(source, dict) and path[-1] in source:
            target[path[-1]] = source[path[-1]]
        else:
            target.pop(path[-1], None)
