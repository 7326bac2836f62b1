"""What every benchmark reports the same way: peak memory, the machine, PASS/MISS."""

from __future__ import annotations

import importlib
import os
import platform
import resource
from typing import Any


def peak_mib() -> float:
    """Peak resident memory of this process (contenders run in their own processes)."""
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine(*packages: str) -> dict[str, Any]:
    """CPUs, memory, platform, Python and the versions of ``packages``."""
    import psutil

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    for name in packages:
        info[name] = importlib.import_module(name).__version__
    return info


def verdict(ok: bool) -> str:
    return "[green]PASS[/]" if ok else "[red]MISS[/]"
