extension Status {
    /// The bytes kube-apiserver writes for a Status: its field order (`kind,
    /// apiVersion, metadata, status, message, reason, details, code`; in
    /// `details`, `name, group, kind, uid, causes, retryAfterSeconds`; in a
    /// cause, `reason, message, field`), empty fields left out, and a trailing
    /// newline, as Go's `json.Encoder` ends every value. Some clients compare
    /// these bytes.
    public var jsonBytes: [UInt8] {
        var members: [(String, [UInt8])] = [
            ("kind", JSONWriter.bytes(.string(kind ?? "Status"))), ("apiVersion", JSONWriter.bytes(.string(apiVersion ?? "v1"))),
            ("metadata", JSONWriter.bytes(metadata.map { KubeCodec.encode($0) } ?? .emptyObject)),
        ]
        Self.add("status", status, to: &members)
        Self.add("message", message, to: &members)
        Self.add("reason", reason, to: &members)
        if let details { members.append(("details", Self.bytes(details))) }
        if let code { members.append(("code", Array(String(code).utf8))) }
        return Self.object(members) + [UInt8(ascii: "\n")]
    }

    private static func bytes(_ d: StatusDetails) -> [UInt8] {
        var members: [(String, [UInt8])] = []
        add("name", d.name, to: &members)
        add("group", d.group, to: &members)
        add("kind", d.kind, to: &members)
        add("uid", d.uid, to: &members)
        if let causes = d.causes, !causes.isEmpty {
            var list: [UInt8] = [UInt8(ascii: "[")]
            for (i, c) in causes.enumerated() {
                if i > 0 { list.append(UInt8(ascii: ",")) }
                var cause: [(String, [UInt8])] = []
                add("reason", c.reason, to: &cause)
                add("message", c.message, to: &cause)
                add("field", c.field, to: &cause)
                list += object(cause)
            }
            members.append(("causes", list + [UInt8(ascii: "]")]))
        }
        if let v = d.retryAfterSeconds, v != 0 { members.append(("retryAfterSeconds", Array(String(v).utf8))) }
        return object(members)
    }

    /// A string member, left out when empty (Go's `omitempty`).
    private static func add(_ key: String, _ value: String?, to members: inout [(String, [UInt8])]) {
        if let value, !value.isEmpty { members.append((key, JSONWriter.bytes(.string(value)))) }
    }

    /// An object of already written members, in their order.
    private static func object(_ members: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (i, (key, value)) in members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            out += value
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
