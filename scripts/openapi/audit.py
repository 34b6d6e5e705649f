#!/usr/bin/env python3
"""Compares the served OpenAPI v2 document with Kubernetes' own and lists the gaps.

Usage: scripts/openapi/audit.py UPSTREAM_SWAGGER_JSON OURS_JSON

OURS_JSON is what the control plane serves (`kubectl get --raw /openapi/v2 > ours.json`).
For every definition reachable from the served kinds it prints the upstream
fields the model lacks, the fields whose type differs (array/object/scalar),
the fields whose JSON type or format differs,
and the fields the model has that upstream does not. Exit status 0 always: the
output is the list docs/control-plane.md keeps.
"""
import json, sys


def kind_of(p, defs):
    if "$ref" in p:
        return "object"
    if "allOf" in p:
        return "object"
    t = p.get("type", "object")
    return t if t in ("array", "object") else "scalar"


def main():
    up = json.load(open(sys.argv[1]))["definitions"]
    ours = json.load(open(sys.argv[2]))["definitions"]
    missing, extra, differ, absent = [], [], [], []
    for name in sorted(ours):
        mine = ours[name].get("properties")
        if name not in up:
            absent.append(name)
            continue
        theirs = up[name].get("properties")
        if mine is None or theirs is None:
            continue
        short = name.split(".")[-1]
        for f in sorted(set(theirs) - set(mine)):
            missing.append("%s.%s" % (short, f))
        for f in sorted(set(mine) - set(theirs)):
            extra.append("%s.%s" % (short, f))
        for f in sorted(set(mine) & set(theirs)):
            a, b = kind_of(mine[f], ours), kind_of(theirs[f], up)
            if a != b:
                differ.append("%s.%s (ours %s, upstream %s)" % (short, f, a, b))
            elif a == "scalar" and (mine[f].get("type"), mine[f].get("format")) != (theirs[f].get("type"), theirs[f].get("format")):
                differ.append("%s.%s (ours %s/%s, upstream %s/%s)" % (short, f, mine[f].get("type"), mine[f].get("format"),
                                                                    theirs[f].get("type"), theirs[f].get("format")))
    print("definitions served: %d" % len(ours))
    print("upstream fields the model lacks (%d):" % len(missing))
    for m in missing:
        print("  " + m)
    print("fields whose JSON type differs (%d):" % len(differ))
    for m in differ:
        print("  " + m)
    print("fields upstream does not have (%d):" % len(extra))
    for m in extra:
        print("  " + m)
    print("definitions without an upstream namesake (%d): %s" % (len(absent), ", ".join(absent)))


main()
