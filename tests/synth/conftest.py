"""One synthetic Telford and Wrekin borough (profile telford-2019-20, seed 2024) per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from saferplaces.synth import SynthResult, generate

SEED = 2024


@pytest.fixture(scope="session")
def borough(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate("telford-2019-20", SEED, tmp_path_factory.mktemp("synth") / "out")


@pytest.fixture(scope="session")
def out(borough: SynthResult) -> Path:
    return borough.out
