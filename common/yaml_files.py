"""YAML a user wrote, read safely: the one loader for experiment files, configs, `--set`
values, checkpoint config.yaml and recipes.

On top of `yaml.SafeLoader` (no python tags, so no code runs), this refuses what PyYAML
accepts silently or slowly:
- a key given twice in one mapping (PyYAML keeps the last one; an experiment listing an arm
  twice would lose the first silently);
- a document that expands past MAX_NODES nodes once aliases are followed (a "billion laughs"
  file composes in microseconds, then hangs or exhausts memory in whatever walks it);
- a document nested past what the parser's recursion allows, and a file over MAX_BYTES.
Each is an InputError naming the file (or option) and, where known, the line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adcacc.common.errors import InputError

MAX_NODES = 100_000  # our choice: the largest shipped file (a recipe) has a few hundred
MAX_BYTES = 4 * 1024 * 1024  # our choice: a config is a few KiB; this bounds parse time too
MERGE_TAG = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key repeated in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: PyYAML's own error says so below
                continue
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}; each key may appear once in a mapping",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def expanded_size(root: yaml.Node) -> int:
    """Nodes in the document with every alias expanded, counted without expanding them
    (a node's size is memoized, so shared subtrees cost once); ValueError on a cycle."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_: set[int] = set()
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if done:
            open_.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            continue
        if id(node) in open_:
            raise ValueError("an alias refers to a node that contains it (a recursive structure)")
        open_.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml(text: str, where: str | Path) -> Any:
    """The document in `text` (None if empty); InputError naming `where` (and as its row, the
    line) if it is not YAML, repeats a key, expands past MAX_NODES nodes or nests too deeply."""
    if len(text) > MAX_BYTES:
        raise InputError(where, f"is {len(text):,} characters; YAML files here are limited to "
                                f"{MAX_BYTES:,} (common/yaml_files.py MAX_BYTES)")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = expanded_size(node)
        if size > MAX_NODES:
            raise InputError(where, f"expands to {size:,} YAML nodes once its aliases are followed; "
                                    f"the limit is {MAX_NODES:,} (common/yaml_files.py MAX_NODES)")
        return loader.construct_document(node)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise InputError(where, f"not valid YAML ({_one_line(err)})", row=mark.line + 1 if mark else None) from None
    except ValueError as err:
        raise InputError(where, f"not usable YAML: {err}") from None
    except RecursionError:
        raise InputError(where, "YAML nested too deeply to read; flatten it") from None
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> Any:
    """`load_yaml` of a UTF-8 file; InputError naming the file if it cannot be read."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(path, f"is {path.stat().st_size:,} bytes; YAML files here are limited "
                                   f"to {MAX_BYTES:,} (common/yaml_files.py MAX_BYTES)")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 text ({err.reason} at byte {err.start}); save it as UTF-8") from None
    except OSError as err:
        raise InputError(path, f"cannot read it ({err.strerror or err})") from None
    return load_yaml(text, path)


def _one_line(err: yaml.YAMLError) -> str:
    """PyYAML's multi-line message as one line (its line number goes in the error's row)."""
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    context = getattr(err, "context", None)
    return f"{context}, {problem}" if context else problem
