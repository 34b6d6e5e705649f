import ClusterLogs

extension FuzzTarget {
    /// What the cluster log store reads from outside: LogQL queries (Loki's
    /// query API) and JSON pushes (every node's shipper, any Loki client).
    static let logQueries = FuzzTarget("logql", "LogQL queries and Loki push bodies of the cluster log store", seeds: [
        Array(#"{namespace="shop", app=~"web|api", container!="sidecar"} |= "error" != "timeout" |~ `code=5\d\d`"#.utf8),
        Array(#"{pod="a"} !~ "(?i)debug""#.utf8),
        Array(#"{"streams":[{"stream":{"app":"web"},"values":[["1796600000000000000","hello"],["1796600000000000001","x",{"k":"v"}]]}]}"#.utf8),
    ]) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let q = try? LogQuery(parsing: text) {
            _ = q.selects(["namespace": "shop", "app": "web"])
            _ = q.keeps(text)
        }
        if let streams = try? LokiAPI.parsePush(bytes) {
            for s in streams { try? LogStream.validate(s.labels) }
            _ = LokiAPI.pushBody(streams)
        }
    }
}
