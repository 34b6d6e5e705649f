import KubeAPI

extension TablePrinter {
    /// `kubectl get ingress`: upstream's printIngress.
    static func ingressCells(_ o: JSONValue, name: JSONValue, age: JSONValue) -> [JSONValue] {
        let spec = o["spec"]
        let className = spec?["ingressClassName"]?.stringValue ?? "<none>"
        let rules = spec?["rules"]?.arrayValue ?? []
        var hosts: [String] = []
        var more = false
        for rule in rules {
            if hosts.count == 3 { more = true }
            if !more, let h = rule["host"]?.stringValue, !h.isEmpty { hosts.append(h) }
        }
        var hostText = hosts.isEmpty ? "*" : hosts.joined(separator: ",")
        if more { hostText += " + \(rules.count - 3) more..." }
        let addresses = (o[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap { lb -> String? in
            if let ip = lb["ip"]?.stringValue, !ip.isEmpty { return ip }
            if let h = lb["hostname"]?.stringValue, !h.isEmpty { return h }
            return nil
        }
        let ports = (spec?["tls"]?.arrayValue ?? []).isEmpty ? "80" : "80, 443"
        return [name, .string(className), .string(hostText), .string(addresses.joined(separator: ",")), .string(ports), age]
    }

    /// `kubectl get ingressclass`: upstream's printIngressClass.
    static func ingressClassCells(_ o: JSONValue, name: JSONValue, age: JSONValue) -> [JSONValue] {
        let spec = o["spec"]
        var parameters = "<none>"
        if let p = spec?["parameters"], !p.isNull {
            parameters = str(p["kind"])
            if let g = p["apiGroup"]?.stringValue { parameters += "." + g }
            parameters += "/" + str(p["name"])
        }
        return [name, .string(str(spec?["controller"])), .string(parameters), age]
    }
}
