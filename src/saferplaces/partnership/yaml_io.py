"""YAML with line numbers: load a document keeping where every value came from, and dump one.

Errors name the file, the line and the path of the value, for example
``strategy.yaml line 42: priorities[1].objectives[3].group: unknown group 'DA Sub-Group';
known groups: ...``. Paths count list items from 0.

Examples
--------
>>> doc = load_yaml("a:\\n  - b: 1\\n  - b: x\\n", "t.yaml")
>>> doc.data["a"][1]["b"], doc.line(("a", 1, "b"))
('x', 3)
>>> dump_yaml({"a": [1, 2]})
'a:\\n  - 1\\n  - 2\\n'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml

from saferplaces.errors import SaferplacesError

__all__ = ["DocumentError", "YamlDocument", "dump_yaml", "format_path", "load_yaml"]

Path_ = tuple[str | int, ...]


class DocumentError(SaferplacesError):
    """A value in a YAML document is wrong; the message names file, line and path."""


def format_path(path: Path_) -> str:
    """``("priorities", 1, "objectives")`` -> ``priorities[1].objectives``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class YamlDocument:
    """Plain Python data from a YAML file and the line each value (and key) starts on."""

    name: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int:
        """The line of ``path``, or of its nearest ancestor that the file has."""
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def fail(self, path: Path_, problem: str) -> NoReturn:
        """Raise a :class:`DocumentError` for the value at ``path``."""
        where = f"{format_path(path)}: " if path else ""
        raise DocumentError(f"{self.name} line {self.line(path)}: {where}{problem}")


class _Constructor(yaml.SafeLoader):
    pass


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], loader: Any, name: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise DocumentError(
                    f"{name} line {key_node.start_mark.line + 1}: {format_path(path) or 'top'}: "
                    f"keys must be text, not {key!r}"
                )
            if key in out:
                raise DocumentError(
                    f"{name} line {key_node.start_mark.line + 1}: "
                    f"{format_path((*path, key))}: given twice"
                )
            out[key] = _build(value_node, (*path, key), lines, loader, name)
            # A nested value starts below its key; point at the key.
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(n, (*path, i), lines, loader, name) for i, n in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def load_yaml(text: str, name: str) -> YamlDocument:
    """Parse YAML ``text`` (from the file called ``name``) keeping line numbers."""
    loader = _Constructor(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        data = None if node is None else _build(node, (), lines, loader, name)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f" line {mark.line + 1}" if mark else ""
        raise DocumentError(f"{name}{line}: not valid YAML ({e.problem or e.context})") from None
    except yaml.YAMLError as e:
        raise DocumentError(f"{name}: not valid YAML ({e})") from None
    finally:
        loader.dispose()
    return YamlDocument(name=name, data=data, lines=lines)


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(dt.date, yaml.SafeDumper.represent_date)


def dump_yaml(data: Any, header: str = "") -> str:
    """Block-style YAML in the order given; ``header`` lines become ``#`` comments."""
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + text
