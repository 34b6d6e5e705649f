import Foundation
import KubeAPI

/// Server-side printing (`meta.k8s.io/v1` Table) with the columns kubectl shows.
enum TablePrinter {
    struct Column {
        var name: String
        var type = "string"
        var format = ""
        var priority = 0
    }

    static func col(_ n: String, _ type: String = "string", format: String = "", wide: Bool = false) -> Column {
        Column(name: n, type: type, format: format, priority: wide ? 1 : 0)
    }

    static let nameCol = col("Name", format: "name")
    static let ageCol = col("Age", "string")

    static func columns(_ kind: String) -> [Column] {
        switch kind {
        case "Pod":
            return [nameCol, col("Ready"), col("Status"), col("Restarts", "string"), ageCol, col("IP", wide: true),
                    col("Node", wide: true), col("Nominated Node", wide: true), col("Readiness Gates", wide: true)]
        case "Node":
            return [nameCol, col("Status"), col("Roles"), ageCol, col("Version"), col("Internal-IP", wide: true),
                    col("External-IP", wide: true), col("OS-Image", wide: true), col("Kernel-Version", wide: true),
                    col("Container-Runtime", wide: true)]
        case "Service":
            return [nameCol, col("Type"), col("Cluster-IP"), col("External-IP"), col("Port(s)"), ageCol, col("Selector", wide: true)]
        case "Deployment":
            return [nameCol, col("Ready"), col("Up-to-date", "integer"), col("Available", "integer"), ageCol,
                    col("Containers", wide: true), col("Images", wide: true), col("Selector", wide: true)]
        case "ReplicaSet", "ReplicationController":
            return [nameCol, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), ageCol,
                    col("Containers", wide: true), col("Images", wide: true), col("Selector", wide: true)]
        case "DaemonSet":
            return [nameCol, col("Desired", "integer"), col("Current", "integer"), col("Ready", "integer"), col("Up-to-date", "integer"),
                    col("Available", "integer"), col("Node Selector"), ageCol, col("Containers", wide: true), col("Images", wide: true),
                    col("Selector", wide: true)]
        case "StatefulSet":
            return [nameCol, col("Ready"), ageCol, col("Containers", wide: true), col("Images", wide: true)]
        case "ControllerRevision":
            return [nameCol, col("Controller"), col("Revision", "integer"), ageCol]
        case "Job":
            return [nameCol, col("Status"), col("Completions"), col("Duration"), ageCol, col("Containers", wide: true),
                    col("Images", wide: true), col("Selector", wide: true)]
        case "HorizontalPodAutoscaler":
            return [nameCol, col("Reference"), col("Targets"), col("MinPods"), col("MaxPods", "integer"), col("Replicas", "integer"), ageCol]
        case "CronJob":
            return [nameCol, col("Schedule"), col("Timezone"), col("Suspend", "boolean"), col("Active", "integer"), col("Last Schedule"),
                    ageCol, col("Containers", wide: true), col("Images", wide: true), col("Selector", wide: true)]
        case "Namespace": return [nameCol, col("Status"), ageCol]
        case "ConfigMap": return [nameCol, col("Data", "integer"), ageCol]
        case "Secret": return [nameCol, col("Type"), col("Data", "integer"), ageCol]
        case "Endpoints": return [nameCol, col("Endpoints"), ageCol]
        case "Lease": return [nameCol, col("Holder"), ageCol]
        case "Role", "ClusterRole", "CustomResourceDefinition": return [nameCol, col("Created At", "date")]
        case "RoleBinding", "ClusterRoleBinding":
            return [nameCol, col("Role"), ageCol, col("Users", wide: true), col("Groups", wide: true), col("ServiceAccounts", wide: true)]
        case "PodTemplate": return [nameCol, col("Containers"), col("Images"), col("Pod Labels")]
        case "ComponentStatus": return [nameCol, col("Status"), col("Message"), col("Error")]
        case "Event": return [col("Last Seen"), col("Type"), col("Reason"), col("Object"), col("Message"), col("Name", format: "name", wide: true)]
        case "CertificateSigningRequest":
            return [nameCol, ageCol, col("SignerName"), col("Requestor"), col("RequestedDuration"), col("Condition")]
        case "PriorityClass": return [col("Name", format: "name"), col("Value", "integer"), col("Global-Default", "boolean"), col("Age"),
                                      col("PreemptionPolicy")]
        case "NetworkPolicy": return [nameCol, col("Pod-Selector"), ageCol]
        case "Ingress": return [nameCol, col("Class"), col("Hosts"), col("Address"), col("Ports"), ageCol]
        case "IngressClass": return [nameCol, col("Controller"), col("Parameters"), ageCol]
        case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration": return [nameCol, col("Webhooks", "integer"), ageCol]
        case "ValidatingAdmissionPolicy": return [nameCol, col("Validations", "integer"), col("ParamKind"), ageCol]
        case "ValidatingAdmissionPolicyBinding": return [nameCol, col("PolicyName"), col("ParamRef"), ageCol]
        case "APIService": return [nameCol, col("Service"), col("Available"), ageCol]
        case "PodDisruptionBudget":
            return [nameCol, col("Min Available"), col("Max Unavailable"), col("Allowed Disruptions", "integer"), ageCol]
        case "EndpointSlice": return [nameCol, col("AddressType"), col("Ports"), col("Endpoints"), ageCol]
        case "ResourceQuota": return [nameCol, ageCol, col("Request"), col("Limit")]
        case "LimitRange": return [nameCol, col("Created At", format: "date")]
        case "ServiceAccount": return [nameCol, col("Secrets", "integer"), ageCol]
        case "PersistentVolume":
            return [nameCol, col("Capacity"), col("Access Modes"), col("Reclaim Policy"), col("Status"), col("Claim"),
                    col("StorageClass"), col("VolumeAttributesClass"), col("Reason"), ageCol, col("VolumeMode", wide: true)]
        case "PersistentVolumeClaim":
            return [nameCol, col("Status"), col("Volume"), col("Capacity"), col("Access Modes"), col("StorageClass"),
                    col("VolumeAttributesClass"), ageCol, col("VolumeMode", wide: true)]
        case "StorageClass":
            return [nameCol, col("Provisioner"), col("ReclaimPolicy"), col("VolumeBindingMode"), col("AllowVolumeExpansion"), ageCol]
        case "CSIDriver":
            return [nameCol, col("AttachRequired"), col("PodInfoOnMount"), col("StorageCapacity"), col("TokenRequests"),
                    col("RequiresRepublish"), col("Modes"), ageCol]
        case "CSINode": return [nameCol, col("Drivers", "integer"), ageCol]
        case "VolumeAttachment": return [nameCol, col("Attacher"), col("PV"), col("Node"), col("Attached"), ageCol]
        default: return [nameCol, ageCol]
        }
    }

    static func columnDefinitions(_ kind: String) -> JSONValue {
        .array(columns(kind).map { c in
            ["name": .string(c.name), "type": .string(c.type), "format": .string(c.format), "description": .string(c.name),
             "priority": .int(Int64(c.priority))]
        })
    }

    /// A Table of objects of `info`'s resource; `includeObject` is `None`, `Object` or `PartialObjectMetadata`.
    /// A custom resource gets its definition's printer columns.
    static func table(_ info: ResourceInfo, objects: [JSONValue], resourceVersion: String?, continueToken: String?,
                      includeObject: String, now: Date = Date()) -> JSONValue {
        guard let custom = info.custom else {
            return table(kind: info.kind, objects: objects, resourceVersion: resourceVersion, continueToken: continueToken,
                         includeObject: includeObject, now: now)
        }
        return table(columnDefinitions: customColumnDefinitions(custom), objects: objects, resourceVersion: resourceVersion,
                     continueToken: continueToken, includeObject: includeObject) { customCells(custom, $0, now: now) }
    }

    /// A Table of built-in objects of `kind`.
    static func table(kind: String, objects: [JSONValue], resourceVersion: String?, continueToken: String?,
                      includeObject: String, now: Date = Date()) -> JSONValue {
        table(columnDefinitions: columnDefinitions(kind), objects: objects, resourceVersion: resourceVersion, continueToken: continueToken,
              includeObject: includeObject) { cells(kind, $0, now: now) }
    }

    static func table(columnDefinitions: JSONValue, objects: [JSONValue], resourceVersion: String?, continueToken: String?,
                      includeObject: String, cells: (JSONValue) -> [JSONValue]) -> JSONValue {
        var meta: JSONValue = .emptyObject
        if let resourceVersion { meta["resourceVersion"] = .string(resourceVersion) }
        if let continueToken { meta["continue"] = .string(continueToken) }
        let rows: [JSONValue] = objects.map { obj in
            var row: JSONValue = ["cells": .array(cells(obj))]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = obj
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] ?? .emptyObject]
            }
            return row
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": columnDefinitions,
                "rows": .array(rows)]
    }

    /// Name, then the definition's columns (upstream's custom resource table convertor).
    static func customColumnDefinitions(_ custom: CustomResourceInfo) -> JSONValue {
        var defs: [JSONValue] = [["name": "Name", "type": "string", "format": "name", "priority": 0,
                                  "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"]]
        for c in custom.columns {
            defs.append(["name": .string(c.definition.name), "type": .string(c.definition.type), "format": .string(c.definition.format ?? ""),
                         "description": .string(c.definition.description ?? ""), "priority": .int(Int64(c.definition.priority ?? 0))])
        }
        return .array(defs)
    }

    /// A custom object's cells: the first value each column's path reaches, typed by the column
    /// (`date` as an age, `integer` as a whole number), or null when the path reaches nothing.
    static func customCells(_ custom: CustomResourceInfo, _ o: JSONValue, now: Date) -> [JSONValue] {
        var cells: [JSONValue] = [.string(str(o[path: ["metadata", "name"]]))]
        for c in custom.columns {
            guard let v = c.path.evaluate(o).first else {
                cells.append(.null)
                continue
            }
            switch c.definition.type {
            case "string": cells.append(.string(v.stringValue ?? JSONWriter.string(v)))
            case "integer": cells.append(v.intValue.map(JSONValue.int) ?? .null)
            case "number": cells.append(v.numberValue.map(JSONValue.double) ?? .null)
            case "boolean": cells.append(v.boolValue.map(JSONValue.bool) ?? .null)
            case "date": cells.append(v.stringValue.map { .string(age($0, now: now)) } ?? .null)
            default: cells.append(v)
            }
        }
        return cells
    }

    /// Kubernetes' HumanDuration.
    static func age(_ ts: String?, now: Date) -> String {
        guard let ts, let t = Timestamp(rfc3339: ts) else { return "<unknown>" }
        return humanDuration(Int(max(0, now.timeIntervalSince(t.date))))
    }

    /// Kubernetes' HumanDuration of `s` seconds.
    static func humanDuration(_ s: Int) -> String {
        let m = s / 60, h = s / 3600, d = h / 24, y = d / 365
        if s < 120 { return "\(s)s" }
        if m < 10 { return s % 60 == 0 ? "\(m)m" : "\(m)m\(s % 60)s" }
        if m < 180 { return "\(m)m" }
        if h < 8 { return m % 60 == 0 ? "\(h)h" : "\(h)h\(m % 60)m" }
        if h < 48 { return "\(h)h" }
        if h < 192 { return h % 24 == 0 ? "\(d)d" : "\(d)d\(h % 24)h" }
        if d < 730 { return "\(d)d" }
        if y < 8 { return d % 365 == 0 ? "\(y)y" : "\(y)y\(d % 365)d" }
        return "\(y)y"
    }

    static func str(_ v: JSONValue?) -> String { v?.stringValue ?? "" }
    static func int(_ v: JSONValue?) -> Int64 { v?.intValue ?? 0 }
    static func none(_ s: String, _ placeholder: String = "<none>") -> String { s.isEmpty ? placeholder : s }

    static func selectorString(_ v: JSONValue?) -> String {
        if let m = v?.objectValue, v?["matchLabels"] == nil && v?["matchExpressions"] == nil {
            return m.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
        }
        guard let v, let sel = try? KubeCodec.decode(LabelSelector.self, from: v) else { return "" }
        return sel.queryString
    }

    /// Access modes as kubectl abbreviates them (`RWO,ROX,RWX,RWOP`).
    static func accessModes(_ modes: JSONValue?) -> String {
        let short = ["ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"]
        let set = (modes?.arrayValue ?? []).compactMap(\.stringValue)
        return ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"].filter(set.contains).compactMap { short[$0] }
            .joined(separator: ",")
    }

    static func containersAndImages(_ podSpec: JSONValue?) -> (String, String) {
        let cs = podSpec?["containers"]?.arrayValue ?? []
        return (cs.map { str($0["name"]) }.joined(separator: ","), cs.map { str($0["image"]) }.joined(separator: ","))
    }

    static func cells(_ kind: String, _ o: JSONValue, now: Date) -> [JSONValue] {
        let name = JSONValue.string(str(o[path: ["metadata", "name"]]))
        let age = JSONValue.string(age(o[path: ["metadata", "creationTimestamp"]]?.stringValue, now: now))
        let spec = o["spec"], status = o["status"]
        switch kind {
        case "Pod": return podCells(o, name: name, age: age)
        case "Node":
            let conditions = status?["conditions"]?.arrayValue ?? []
            var st = "Unknown"
            if let ready = conditions.first(where: { $0["type"] == "Ready" }) {
                st = ready["status"] == "True" ? "Ready" : (ready["status"] == "False" ? "NotReady" : "Unknown")
            }
            if spec?["unschedulable"]?.boolValue == true { st += ",SchedulingDisabled" }
            let roles = (o[path: ["metadata", "labels"]]?.objectValue ?? [:]).keys
                .filter { $0.hasPrefix("node-role.kubernetes.io/") }.map { String($0.dropFirst("node-role.kubernetes.io/".count)) }.sorted()
            let addrs = status?["addresses"]?.arrayValue ?? []
            func addr(_ t: String) -> String { none(str(addrs.first { $0["type"]?.stringValue == t }?["address"])) }
            let info = status?["nodeInfo"]
            return [name, .string(st), .string(roles.isEmpty ? "<none>" : roles.joined(separator: ",")), age,
                    .string(str(info?["kubeletVersion"])), .string(addr("InternalIP")), .string(addr("ExternalIP")),
                    .string(none(str(info?["osImage"]))), .string(none(str(info?["kernelVersion"]))),
                    .string(none(str(info?["containerRuntimeVersion"])))]
        case "Service":
            let ports = (spec?["ports"]?.arrayValue ?? []).map { p -> String in
                let proto = str(p["protocol"]).isEmpty ? "TCP" : str(p["protocol"])
                if let np = p["nodePort"]?.intValue, np != 0 { return "\(int(p["port"])):\(np)/\(proto)" }
                return "\(int(p["port"]))/\(proto)"
            }
            var ext = (spec?["externalIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
            let type = str(spec?["type"]).isEmpty ? "ClusterIP" : str(spec?["type"])
            // As kubectl: a load balancer's ingress points after the external IPs, "<pending>" without any.
            let lb = (o[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
            if type == "LoadBalancer" { ext += lb }
            return [name, .string(type), .string(none(str(spec?["clusterIP"]))),
                    .string(type == "LoadBalancer" && ext.isEmpty ? "<pending>" : none(ext.joined(separator: ","))),
                    .string(none(ports.joined(separator: ","))), age, .string(none(selectorString(spec?["selector"])))]
        case "PodTemplate":
            let (c, i) = containersAndImages(o[path: ["template", "spec"]])
            let labels = (o[path: ["template", "metadata", "labels"]]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
            return [name, .string(c), .string(i), .string(none(labels))]
        case "ComponentStatus":
            let healthy = (o["conditions"]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Healthy" }
            let status = healthy?["status"]?.stringValue == "True" ? "Healthy" : "Unhealthy"
            return [name, .string(status), .string(str(healthy?["message"])), .string(str(healthy?["error"]))]
        case "Deployment":
            let (c, i) = containersAndImages(spec?[path: ["template", "spec"]])
            return [name, .string("\(int(status?["readyReplicas"]))/\(int(spec?["replicas"]))"), .int(int(status?["updatedReplicas"])),
                    .int(int(status?["availableReplicas"])), age, .string(c), .string(i), .string(selectorString(spec?["selector"]))]
        case "ReplicaSet", "ReplicationController":
            let (c, i) = containersAndImages(spec?[path: ["template", "spec"]])
            return [name, .int(int(spec?["replicas"])), .int(int(status?["replicas"])), .int(int(status?["readyReplicas"])), age,
                    .string(c), .string(i), .string(selectorString(spec?["selector"]))]
        case "DaemonSet":
            let (c, i) = containersAndImages(spec?[path: ["template", "spec"]])
            let ns = (spec?[path: ["template", "spec", "nodeSelector"]]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
            return [name, .int(int(status?["desiredNumberScheduled"])), .int(int(status?["currentNumberScheduled"])),
                    .int(int(status?["numberReady"])), .int(int(status?["updatedNumberScheduled"])), .int(int(status?["numberAvailable"])),
                    .string(none(ns)), age, .string(c), .string(i), .string(selectorString(spec?["selector"]))]
        case "StatefulSet":
            let (c, i) = containersAndImages(spec?[path: ["template", "spec"]])
            return [name, .string("\(int(status?["readyReplicas"]))/\(int(spec?["replicas"]))"), age, .string(c), .string(i)]
        case "ControllerRevision":
            return [name, .string(controllerName(o)), .int(int(o["revision"])), age]
        case "Job":
            return jobCells(o, name: name, age: age, now: now)
        case "HorizontalPodAutoscaler":
            return horizontalPodAutoscalerCells(o, name: name, age: age)
        case "CronJob":
            let (c, i) = containersAndImages(spec?[path: ["jobTemplate", "spec", "template", "spec"]])
            let last = status?["lastScheduleTime"]?.stringValue.map { TablePrinter.age($0, now: now) } ?? "<none>"
            return [name, .string(str(spec?["schedule"])), .string(none(str(spec?["timeZone"]))), .string(spec?["suspend"]?.boolValue.map { $0 ? "True" : "False" } ?? "<unset>"),
                    .int(Int64(status?["active"]?.arrayValue?.count ?? 0)), .string(last), age, .string(c), .string(i),
                    .string(none(selectorString(spec?[path: ["jobTemplate", "spec", "selector"]])))]
        case "Namespace":
            return [name, .string(str(status?["phase"]).isEmpty ? "Active" : str(status?["phase"])), age]
        case "ConfigMap":
            return [name, .int(Int64((o["data"]?.objectValue?.count ?? 0) + (o["binaryData"]?.objectValue?.count ?? 0))), age]
        case "Secret":
            return [name, .string(str(o["type"])), .int(Int64(o["data"]?.objectValue?.count ?? 0)), age]
        case "Endpoints":
            var eps: [String] = []
            for s in o["subsets"]?.arrayValue ?? [] {
                for a in s["addresses"]?.arrayValue ?? [] {
                    for p in s["ports"]?.arrayValue ?? [] { eps.append("\(str(a["ip"])):\(int(p["port"]))") }
                }
            }
            return [name, .string(none(eps.prefix(3).joined(separator: ",") + (eps.count > 3 ? " + \(eps.count - 3) more..." : ""))), age]
        case "Lease":
            return [name, .string(str(spec?["holderIdentity"])), age]
        case "PersistentVolume":
            let claim = spec?["claimRef"].map { "\(str($0["namespace"]))/\(str($0["name"]))" } ?? ""
            return [name, .string(str(spec?[path: ["capacity", "storage"]])), .string(accessModes(spec?["accessModes"])),
                    .string(str(spec?["persistentVolumeReclaimPolicy"])), .string(str(status?["phase"])), .string(claim),
                    .string(str(spec?["storageClassName"])), .string(none(str(spec?["volumeAttributesClassName"]), "<unset>")),
                    .string(str(status?["reason"])), age, .string(str(spec?["volumeMode"]))]
        case "PersistentVolumeClaim":
            let bound = str(status?["phase"]) == "Bound"
            return [name, .string(str(status?["phase"])), .string(str(spec?["volumeName"])),
                    .string(bound ? str(status?[path: ["capacity", "storage"]]) : ""),
                    .string(bound ? accessModes(status?["accessModes"]) : ""), .string(str(spec?["storageClassName"])),
                    .string(none(str(spec?["volumeAttributesClassName"]), "<unset>")), age, .string(str(spec?["volumeMode"]))]
        case "StorageClass":
            let isDefault = o[path: ["metadata", "annotations", StorageClass.defaultClassAnnotation]]?.stringValue == "true"
            return [.string(str(o[path: ["metadata", "name"]]) + (isDefault ? " (default)" : "")), .string(str(o["provisioner"])),
                    .string(str(o["reclaimPolicy"])), .string(str(o["volumeBindingMode"])),
                    .string(o["allowVolumeExpansion"]?.boolValue == true ? "true" : "false"), age]
        case "CSIDriver":
            func flag(_ key: String) -> JSONValue { .string(spec?[key]?.boolValue == true ? "true" : "false") }
            let tokens = (spec?["tokenRequests"]?.arrayValue ?? []).map { str($0["audience"]) }.joined(separator: ",")
            let modes = (spec?["volumeLifecycleModes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            return [name, flag("attachRequired"), flag("podInfoOnMount"), flag("storageCapacity"), .string(none(tokens)),
                    flag("requiresRepublish"), .string(none(modes)), age]
        case "CSINode":
            return [name, .int(Int64(spec?["drivers"]?.arrayValue?.count ?? 0)), age]
        case "VolumeAttachment":
            let pv = spec?[path: ["source", "persistentVolumeName"]]?.stringValue ?? ""
            return [name, .string(str(spec?["attacher"])), .string(pv), .string(str(spec?["nodeName"])),
                    .string(status?["attached"]?.boolValue == true ? "true" : "false"), age]
        case "Role", "ClusterRole", "CustomResourceDefinition":
            return [name, o[path: ["metadata", "creationTimestamp"]] ?? .null]
        case "RoleBinding", "ClusterRoleBinding":
            let subjects = o["subjects"]?.arrayValue ?? []
            func names(_ kind: String) -> JSONValue {
                .string(subjects.filter { $0["kind"]?.stringValue == kind }.map { s in
                    let n = s["name"]?.stringValue ?? ""
                    return kind == "ServiceAccount" ? "\(s["namespace"]?.stringValue ?? "")/\(n)" : n
                }.joined(separator: ", "))
            }
            let role = "\(str(o[path: ["roleRef", "kind"]]))/\(str(o[path: ["roleRef", "name"]]))"
            return [name, .string(role), age, names("User"), names("Group"), names("ServiceAccount")]
        case "ResourceQuota":
            // `used/hard` per resource; limits.* under Limit, the rest under Request (upstream's printer).
            let hard = o[path: ["status", "hard"]]?.objectValue ?? [:]
            let used = o[path: ["status", "used"]]?.objectValue ?? [:]
            var request: [String] = [], limit: [String] = []
            for k in hard.keys.sorted() {
                let entry = "\(k): \(str(used[k]))/\(str(hard[k]))"
                if k.hasPrefix("limits") { limit.append(entry) } else { request.append(entry) }
            }
            return [name, age, .string(request.joined(separator: ", ")), .string(limit.joined(separator: ", "))]
        case "LimitRange":
            return [name, .string(str(o[path: ["metadata", "creationTimestamp"]]))]
        case "CertificateSigningRequest":
            let duration = spec?["expirationSeconds"]?.intValue.map { humanDuration(Int($0)) } ?? "<none>"
            return [name, age, .string(str(spec?["signerName"])), .string(str(spec?["username"])), .string(duration),
                    .string(csrCondition(o))]
        case "PriorityClass":
            return [name, .int(o["value"]?.intValue ?? 0), .bool(o["globalDefault"]?.boolValue ?? false), age,
                    .string(str(o["preemptionPolicy"]))]
        case "NetworkPolicy":
            let selector = selectorString(spec?["podSelector"])
            return [name, .string(selector.isEmpty ? "<none>" : selector), age]
        case "Ingress": return ingressCells(o, name: name, age: age)
        case "IngressClass": return ingressClassCells(o, name: name, age: age)
        case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
            return [name, .int(Int64(o["webhooks"]?.arrayValue?.count ?? 0)), age]
        case "ValidatingAdmissionPolicy":
            let kind = spec?["paramKind"].map { "\(str($0["apiVersion"]))/\(str($0["kind"]))" } ?? "<unset>"
            return [name, .int(Int64(spec?["validations"]?.arrayValue?.count ?? 0)), .string(kind), age]
        case "ValidatingAdmissionPolicyBinding":
            // As kubectl: NAMESPACE/NAME, */NAME when the namespace is the request's, or the selector.
            var ref = "<unset>"
            if let r = spec?["paramRef"] {
                let n = str(r["name"]), ns = str(r["namespace"])
                if !n.isEmpty { ref = ns.isEmpty ? "*/\(n)" : "\(ns)/\(n)" } else if r["selector"] != nil { ref = selectorString(r["selector"]) }
            }
            return [name, .string(str(spec?["policyName"])), .string(ref), age]
        case "APIService":
            // kube-aggregator's printer: Local without a service; True, or False/Unknown with the reason.
            let service = spec?["service"].map { "\(str($0["namespace"]))/\(str($0["name"]))" } ?? "Local"
            let available = status?["conditions"]?.arrayValue?.first { $0["type"] == "Available" }
            let shown = available.map { c in str(c["status"]) == "True" ? "True" : "\(str(c["status"])) (\(str(c["reason"])))" } ?? "Unknown"
            return [name, .string(service), .string(shown), age]
        case "PodDisruptionBudget":
            // Upstream's printPodDisruptionBudget: N/A for the bound not set.
            func bound(_ v: JSONValue?) -> JSONValue { .string(v.map { $0.stringValue ?? $0.intValue.map { String($0) } ?? "N/A" } ?? "N/A") }
            return [name, bound(spec?["minAvailable"]), bound(spec?["maxUnavailable"]), .int(int(status?["disruptionsAllowed"])), age]
        case "Event":
            // One printer for both versions, as upstream prints its internal type.
            let o = o["apiVersion"]?.stringValue == EventsV1Event.apiVersion ? EventsV1Conversion.toStorage(o) : o
            let last = o[path: ["series", "lastObservedTime"]]?.stringValue ?? o["lastTimestamp"]?.stringValue ?? o["eventTime"]?.stringValue
                ?? o[path: ["metadata", "creationTimestamp"]]?.stringValue
            let obj = "\(str(o[path: ["involvedObject", "kind"]]).lowercased())/\(str(o[path: ["involvedObject", "name"]]))"
            return [.string(TablePrinter.age(last, now: now)), .string(str(o["type"])), .string(str(o["reason"])), .string(obj),
                    .string(str(o["message"])), name]
        case "EndpointSlice":
            let ports = (o["ports"]?.arrayValue ?? []).map { String(int($0["port"])) }.joined(separator: ",")
            let addrs = (o["endpoints"]?.arrayValue ?? []).flatMap { ($0["addresses"]?.arrayValue ?? []).compactMap(\.stringValue) }
            return [name, .string(str(o["addressType"])), .string(none(ports)), .string(none(addrs.prefix(3).joined(separator: ","))), age]
        case "ServiceAccount":
            return [name, .int(Int64(o["secrets"]?.arrayValue?.count ?? 0)), age]
        default:
            return [name, age]
        }
    }

    static func podCells(_ o: JSONValue, name: JSONValue, age: JSONValue) -> [JSONValue] {
        let spec = o["spec"], status = o["status"]
        let total = spec?["containers"]?.arrayValue?.count ?? 0
        let statuses = status?["containerStatuses"]?.arrayValue ?? []
        let ready = statuses.filter { $0["ready"]?.boolValue == true }.count
        let restarts = statuses.reduce(Int64(0)) { $0 + int($1["restartCount"]) }
        var reason = str(status?["reason"]).isEmpty ? str(status?["phase"]) : str(status?["reason"])
        for (i, s) in (status?["initContainerStatuses"]?.arrayValue ?? []).enumerated() {
            if let t = s[path: ["state", "terminated"]], int(t["exitCode"]) == 0 { continue }
            if let w = s[path: ["state", "waiting"]]?["reason"]?.stringValue, w != "PodInitializing" {
                reason = "Init:\(w)"
            } else if let t = s[path: ["state", "terminated"]] {
                reason = str(t["reason"]).isEmpty ? "Init:ExitCode:\(int(t["exitCode"]))" : "Init:\(str(t["reason"]))"
            } else {
                reason = "Init:\(i)/\(spec?["initContainers"]?.arrayValue?.count ?? 0)"
            }
            break
        }
        if !reason.hasPrefix("Init:") {
            for s in statuses.reversed() {
                if let w = s[path: ["state", "waiting"]]?["reason"]?.stringValue, !w.isEmpty {
                    reason = w
                } else if let t = s[path: ["state", "terminated"]] {
                    reason = str(t["reason"]).isEmpty ? "ExitCode:\(int(t["exitCode"]))" : str(t["reason"])
                }
            }
        }
        if o[path: ["metadata", "deletionTimestamp"]] != nil { reason = "Terminating" }
        let gates = spec?["readinessGates"]?.arrayValue ?? []
        return [name, .string("\(ready)/\(total)"), .string(reason), .string(String(restarts)), age,
                .string(none(str(status?["podIP"]))), .string(none(str(spec?["nodeName"]))),
                .string(none(str(status?["nominatedNodeName"]))), .string(gates.isEmpty ? "<none>" : "0/\(gates.count)")]
    }

    /// `Approved,Issued`, `Denied`, `Pending`: kubectl's CONDITION of a CSR.
    static func csrCondition(_ o: JSONValue) -> String {
        let types = Set((o[path: ["status", "conditions"]]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue })
        var out: [String] = []
        if types.contains("Approved") { out.append("Approved") }
        if types.contains("Denied") { out.append("Denied") }
        if types.contains("Failed") { out.append("Failed") }
        if !str(o[path: ["status", "certificate"]]).isEmpty { out.append("Issued") }
        return out.isEmpty ? "Pending" : out.joined(separator: ",")
    }
}
