#!/usr/bin/python3
"""json_diff.py OLD NEW: prints every leaf that differs as 'path: old -> new' (stat
entries are shown by value). A missing OLD file counts as empty."""
import json
import os
import sys


def leaves(node, path=""):
    if isinstance(node, dict):
        if set(node) >= {"value", "unit"} and not isinstance(node["value"], (dict, list)):
            yield path, node["value"]
            return
        for k, v in node.items():
            yield from leaves(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, f"{path}/{i}")
    else:
        yield path, node


def load(p):
    if not os.path.exists(p):
        return {}
    with open(p) as f:
        return json.load(f)


old, new = dict(leaves(load(sys.argv[1]))), dict(leaves(load(sys.argv[2])))
for k in sorted(set(old) | set(new)):
    if old.get(k, "<absent>") != new.get(k, "<absent>"):
        print(f"{k}: {old.get(k, '<absent>')} -> {new.get(k, '<absent>')}")
