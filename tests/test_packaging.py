"""Every data file the package reads is shipped: matched by a package-data pattern."""

from __future__ import annotations

import fnmatch
import tomllib

from tests.conftest import REPO

SRC = REPO / "src"


def test_every_data_file_is_in_package_data():
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    missing = []
    for path in sorted((SRC / "saferplaces").rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(SRC)
        matched = False
        for package, globs in patterns.items():
            base = SRC / package.replace(".", "/")
            if base in path.parents:
                inner = path.relative_to(base).as_posix()
                matched |= any(
                    fnmatch.fnmatch(inner, g) and inner.count("/") == g.count("/") for g in globs
                )
        if not matched:
            missing.append(str(rel))
    assert missing == [], f"not in [tool.setuptools.package-data]: {missing}"
