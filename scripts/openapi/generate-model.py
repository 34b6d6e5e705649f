#!/usr/bin/env python3
"""Prints Swift model structs for upstream definitions the model lacks.

Usage: scripts/openapi/generate-model.py SWAGGER_JSON Def [Def ...] > Sources/KubeAPI/Model/NEW.swift

Def is a definition name (io.k8s.api.core.v1.NFSVolumeSource) or its last part
(NFSVolumeSource, looked up in core/v1). Definitions they reference that the
model does not have yet are printed too. Every field is optional (the API
server's validation, not decoding, enforces upstream's required fields), so
`init()` builds an empty value. The output is a starting point checked into the
model and owned by it from then on; the model, not this script, decides which
fields exist.
"""
import json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "Sources/KubeAPI/Model")
KNOWN_REFS = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": "Quantity",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": "Timestamp",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": "Timestamp",
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "io.k8s.apimachinery.pkg.runtime.RawExtension": "JSONValue",
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": "JSONValue",
}


def existing():
    names = set()
    for f in os.listdir(MODEL):
        if f.endswith(".swift"):
            names |= set(re.findall(r"^(?:public )?(?:struct|enum|typealias) (\w+)", open(os.path.join(MODEL, f)).read(), re.M))
    return names


def main():
    defs = json.load(open(sys.argv[1]))["definitions"]
    have = existing()
    queue = [d if "." in d else "io.k8s.api.core.v1." + d for d in sys.argv[2:]]
    done = []

    def swift_type(p):
        if "$ref" in p:
            ref = p["$ref"].split("/")[-1]
            if ref in KNOWN_REFS:
                return KNOWN_REFS[ref]
            short = ref.split(".")[-1]
            if short not in have and ref not in queue and ref not in done:
                queue.append(ref)
            return short
        t = p.get("type")
        if t == "string":
            return "String"
        if t == "boolean":
            return "Bool"
        if t == "integer":
            return "Int32" if p.get("format") == "int32" else "Int64"
        if t == "number":
            return "Double"
        if t == "array":
            return "[%s]" % swift_type(p["items"])
        if t == "object" and "additionalProperties" in p:
            return "[String: %s]" % swift_type(p["additionalProperties"])
        return "JSONValue"

    out = []
    while queue:
        d = queue.pop(0)
        done.append(d)
        short = d.split(".")[-1]
        if short in have and d not in sys.argv[2:] and short not in sys.argv[2:]:
            continue
        spec = defs[d]
        desc = " ".join(spec.get("description", short).split("\n\n")[0].split(". ")[0].split()).rstrip(".")
        lines = ["/// %s." % desc, "public struct %s: Sendable, Hashable, Codable {" % short]
        for name, p in sorted(spec.get("properties", {}).items()):
            ident = "`%s`" % name if name in ("protocol", "operator", "default", "repeat", "extension", "internal") else name
            lines.append("    public var %s: %s?" % (ident, swift_type(p)))
        lines.append("    public init() {}")
        lines.append("}")
        out.append("\n".join(lines))
        have.add(short)
    print("\n\n".join(out))


main()
