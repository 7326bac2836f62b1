"""The governance diagram, generated from the model: groups, their parents and reporting lines.

:func:`governance_dot` writes the Graphviz graph (one node per group; a solid edge from each
group to its parent, the line of accountability; a dashed edge for each further reporting line)
and :func:`governance_svg` lays it out with Graphviz's ``dot`` into an SVG for inlining in HTML.
In the SVG every group is a ``<g class="node group ...">`` and every edge a
``<g class="edge parent">`` or ``<g class="edge reporting-line">``, titled with the names.

Examples
--------
>>> groups = [{"name": "Board", "kind": "partnership_board"},
...           {"name": "Sub Group", "kind": "sub_group", "parent": "Board",
...            "reports_to": ["Safeguarding Board"]},
...           {"name": "Safeguarding Board", "kind": "board"}]
>>> print(governance_dot(groups).splitlines()[-2])
  "Sub Group" -> "Safeguarding Board" [id="line-1-0", class="reporting-line", style=dashed];
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

from saferplaces.errors import SaferplacesError

__all__ = ["GRAPHVIZ_INSTALL", "governance_dot", "governance_svg"]

GRAPHVIZ_INSTALL = (
    "Graphviz's `dot` is needed to draw the governance diagram; install it "
    "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`)"
)
_KIND = {"partnership_board": "partnership board", "board": "board", "sub_group": "sub-group"}
_FILL = {"partnership_board": "#1f4e79", "board": "#dbe8f5", "sub_group": "#ffffff"}


def _q(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def governance_dot(groups: Sequence[dict[str, Any]], title: str = "Governance") -> str:
    """The governance as a Graphviz digraph (groups as in the strategy document)."""
    lines = [
        f"digraph {_q(title)} {{",
        "  rankdir=BT;",
        '  graph [fontname="Helvetica", nodesep=0.4, ranksep=0.6];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, '
        'margin="0.15,0.08"];',
        '  edge [fontname="Helvetica", fontsize=9, color="#444444"];',
    ]
    for i, g in enumerate(groups):
        kind = g.get("kind", "sub_group")
        font = "white" if kind == "partnership_board" else "black"
        label = _q(f"{g['name']}\n({_KIND.get(kind, kind)})").replace("\n", "\\n")
        lines.append(
            f"  {_q(g['name'])} [id={_q(f'group-{i}')}, class={_q(f'group {kind}')}, "
            f"label={label}, "
            f'fillcolor="{_FILL.get(kind, "#ffffff")}", fontcolor={font}];'
        )
    for i, g in enumerate(groups):
        if g.get("parent"):
            lines.append(
                f"  {_q(g['name'])} -> {_q(g['parent'])} "
                f'[id="parent-{i}", class="parent", penwidth=1.4];'
            )
        for j, other in enumerate(g.get("reports_to") or []):
            lines.append(
                f"  {_q(g['name'])} -> {_q(other)} "
                f'[id="line-{i}-{j}", class="reporting-line", style=dashed];'
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def governance_svg(groups: Sequence[dict[str, Any]], title: str = "Governance") -> str:
    """The diagram as an ``<svg>`` element for inlining (no XML prolog, doctype or comments).

    Raises
    ------
    SaferplacesError
        Graphviz is not installed, or ``dot`` failed.
    """
    dot = shutil.which("dot")
    if dot is None:
        raise SaferplacesError(GRAPHVIZ_INSTALL)
    try:
        done = subprocess.run(
            [dot, "-Tsvg"],
            input=governance_dot(groups, title),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SaferplacesError(f"Graphviz dot failed: {e}") from None
    if done.returncode != 0:
        raise SaferplacesError(f"Graphviz dot failed: {done.stderr.strip()}")
    svg = done.stdout[done.stdout.index("<svg") :]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL).strip()
