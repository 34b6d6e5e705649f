#!/usr/bin/env python3
"""Writes Sources/KubeAPI/Schema/UpstreamMetadata+Generated.swift from Kubernetes' OpenAPI v2 spec.

Usage: scripts/openapi/generate-metadata.py SWAGGER_JSON

SWAGGER_JSON is api/openapi-spec/swagger.json of a Kubernetes release (1.32 for this
tree; the table checked in was made from kubernetes-client/python's copy of it,
`kubernetes/swagger.json.unprocessed` at tag v32.0.1, which that project takes
unchanged from kubernetes' release-1.32 branch). For every struct of Sources/KubeAPI/Model the upstream definition of the same
name is looked up (core/v1 first, then the other served groups, then meta/v1; the
OVERRIDES below name the few that differ) and its descriptions, required fields,
enums and x-kubernetes-* list/map/patch extensions are written as one JSON table.
The Swift model alone decides which fields exist; this table only annotates them.
"""
import json, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "Sources/KubeAPI/Model")
OUT = os.path.join(ROOT, "Sources/KubeAPI/Schema/UpstreamMetadata+Generated.swift")

PACKAGES = ["io.k8s.api.core.v1", "io.k8s.api.apps.v1", "io.k8s.api.discovery.v1",
            "io.k8s.api.coordination.v1", "io.k8s.api.policy.v1", "io.k8s.api.events.v1",
            "io.k8s.apimachinery.pkg.apis.meta.v1", "io.k8s.api.autoscaling.v2", "io.k8s.api.autoscaling.v1", "io.k8s.api.flowcontrol.v1",
            "io.k8s.api.scheduling.v1", "io.k8s.api.rbac.v1", "io.k8s.api.certificates.v1",
            "io.k8s.api.storage.v1", "io.k8s.api.batch.v1", "io.k8s.api.networking.v1",
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1", "io.k8s.api.admissionregistration.v1",
            "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1"]

# Swift type -> upstream definitions it stands for (the first names the schema;
# the others add field docs for fields the first lacks).
STANDARD_METADATA = ("Standard object's metadata. More info: "
                     "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")

OVERRIDES = {
    "ProjectedKeys": ["io.k8s.api.core.v1.SecretProjection", "io.k8s.api.core.v1.ConfigMapProjection"],
    "Condition": ["io.k8s.api.core.v1.PodCondition", "io.k8s.api.core.v1.NodeCondition",
                  "io.k8s.api.apps.v1.DeploymentCondition", "io.k8s.apimachinery.pkg.apis.meta.v1.Condition"],
    "ResourceRequirements": ["io.k8s.api.core.v1.ResourceRequirements"],
    "PodIP": ["io.k8s.api.core.v1.PodIP", "io.k8s.api.core.v1.HostIP"],
    "KeySelector": ["io.k8s.api.core.v1.ConfigMapKeySelector", "io.k8s.api.core.v1.SecretKeySelector"],
    "EndpointSlicePort": ["io.k8s.api.discovery.v1.EndpointPort"],
    "EventsV1Event": ["io.k8s.api.events.v1.Event"],
    "WebhookServiceReference": ["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.ServiceReference"],
    "EventsV1EventSeries": ["io.k8s.api.events.v1.EventSeries"],
    "RBACSubject": ["io.k8s.api.rbac.v1.Subject"],
    "CSITokenRequest": ["io.k8s.api.storage.v1.TokenRequest"],
    "StorageVolumeError": ["io.k8s.api.storage.v1.VolumeError"],
    "HorizontalPodAutoscalerV1": ["io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler"],
    "HorizontalPodAutoscalerSpecV1": ["io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"],
    "HorizontalPodAutoscalerStatusV1": ["io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus"],
    "APIServiceReference": ["io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.ServiceReference"],
}


def swift_types():
    names = []
    for f in sorted(os.listdir(MODEL)):
        if f.endswith(".swift"):
            for m in re.finditer(r"^(?:public )?(?:struct|enum) (\w+)", open(os.path.join(MODEL, f)).read(), re.M):
                names.append(m.group(1))
    return names


def main():
    spec = json.load(open(sys.argv[1]))
    defs = spec["definitions"]
    table, unmatched = {}, []
    for name in swift_types():
        cands = OVERRIDES.get(name) or [p + "." + name for p in PACKAGES if p + "." + name in defs][:1]
        cands = [c for c in cands if c in defs]
        if not cands:
            unmatched.append(name)
            continue
        first = defs[cands[0]]
        entry = {"n": cands[0], "d": first.get("description", ""), "r": first.get("required", []), "f": {}}
        gvk = first.get("x-kubernetes-group-version-kind")
        for c in cands:
            for fname, prop in defs[c].get("properties", {}).items():
                if fname in entry["f"]:
                    continue
                f = {"d": prop.get("description", "")}
                if fname == "metadata" and not f["d"]:
                    # Upstream leaves a few undocumented (CertificateSigningRequest's).
                    f["d"] = STANDARD_METADATA
                if not f["d"] and "$ref" in prop:
                    # An undocumented field of a documented type (networking's IngressRule.http): the type's description.
                    f["d"] = defs.get(prop["$ref"].split("/")[-1], {}).get("description", "")
                for key, short in [("x-kubernetes-patch-strategy", "ps"), ("x-kubernetes-patch-merge-key", "mk"),
                                   ("x-kubernetes-list-type", "lt"), ("x-kubernetes-list-map-keys", "lk"),
                                   ("x-kubernetes-map-type", "mt"), ("enum", "e")]:
                    if key in prop:
                        f[short] = prop[key]
                if prop.get("type") in ("integer", "number") and "format" in prop:
                    f["fm"] = prop["format"]
                items = prop.get("items", {})
                if "enum" in items:
                    f["e"] = items["enum"]
                entry["f"][fname] = f
        if gvk:
            entry["k"] = gvk
        table[name] = entry
    # Types with their own JSON form (OpenAPISchemaProviding) take their docs
    # from here, keyed by definition name.
    for custom in ["io.k8s.apimachinery.pkg.api.resource.Quantity", "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
                   "io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"]:
        table[custom] = {"n": custom, "d": defs[custom].get("description", ""), "r": [], "f": {}}
    body = "{\n" + ",\n".join(json.dumps(k) + ":" + json.dumps(table[k], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                              for k in sorted(table)) + "\n}"
    # A raw string with two #: descriptions quote URL fragments ("#...") and may hold a backslash-hash.
    assert '"""##' not in body and '\\##' not in body
    with open(OUT, "w") as out:
        out.write("// Generated by scripts/openapi/generate-metadata.py from Kubernetes 1.32's\n")
        out.write("// api/openapi-spec/swagger.json. Do not edit; run the script again.\n\n")
        out.write("extension UpstreamMetadata {\n")
        out.write("    /// Field docs and list/map/patch metadata of upstream's definitions, keyed by Swift type name.\n")
        out.write("    static let table = ##\"\"\"\n")
        out.write(body)
        out.write("\n\"\"\"##\n}\n")
    for k in sorted(table): print(k, table[k]["n"]) if os.environ.get("VERBOSE") else None
    print("types annotated: %d; without an upstream definition: %s" % (len(table), ", ".join(unmatched) or "none"))


main()
