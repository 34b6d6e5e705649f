/// Encodes `Encodable` values straight into a `JSONValue` tree, without
/// going through bytes and Foundation's JSONEncoder.
public enum JSONValueEncoder {
    /// Encodes a value; a value that encodes nothing becomes an empty object.
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let v = value as? JSONValue { return v }
        let e = ValueEncoder(codingPath: [])
        try value.encode(to: e)
        return e.node.resolve() ?? .emptyObject
    }
}

/// A value under construction; containers share it by reference.
final class EncodingNode {
    var object: [String: JSONValue]?
    var objectChildren: [String: EncodingNode] = [:]
    var array: [JSONValue]?
    var arrayChildren: [Int: EncodingNode] = [:]
    var single: JSONValue?

    func resolve() -> JSONValue? {
        if var o = object {
            for (k, c) in objectChildren { o[k] = c.resolve() ?? .emptyObject }
            return .object(o)
        }
        if var a = array {
            for (i, c) in arrayChildren where i < a.count { a[i] = c.resolve() ?? .emptyObject }
            return .array(a)
        }
        return single
    }
}

private func encodeChild<T: Encodable>(_ value: T, _ path: [any CodingKey]) throws -> JSONValue {
    if let v = value as? JSONValue { return v }
    let e = ValueEncoder(codingPath: path)
    try value.encode(to: e)
    return e.node.resolve() ?? .emptyObject
}

struct ValueEncoder: Encoder {
    let node = EncodingNode()
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }
    init(node: EncodingNode, codingPath: [any CodingKey]) {
        self.codingPath = codingPath
        self.nodeOverride = node
    }
    private var nodeOverride: EncodingNode?
    var target: EncodingNode { nodeOverride ?? node }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if target.object == nil { target.object = [:] }
        return KeyedEncodingContainer(KeyedEnc<Key>(node: target, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if target.array == nil { target.array = [] }
        return UnkeyedEnc(node: target, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEnc(node: target, codingPath: codingPath) }
}

private struct KeyedEnc<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    func set(_ v: JSONValue, _ key: Key) { node.object?[key.stringValue] = v }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.int(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(.int(Int64(truncatingIfNeeded: value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.int(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(.int(Int64(truncatingIfNeeded: value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { set(try encodeChild(value, codingPath + [key]), key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        node.objectChildren[key.stringValue] = child
        node.object?[key.stringValue] = .emptyObject
        return ValueEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingNode()
        node.objectChildren[key.stringValue] = child
        node.object?[key.stringValue] = .array([])
        return ValueEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        if let key = Key(stringValue: "super") { return superEncoder(forKey: key) }
        return ValueEncoder(codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let child = EncodingNode()
        node.objectChildren[key.stringValue] = child
        node.object?[key.stringValue] = .emptyObject
        return ValueEncoder(node: child, codingPath: codingPath + [key])
    }
}

private struct UnkeyedEnc: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.array?.count ?? 0 }

    func append(_ v: JSONValue) { node.array?.append(v) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.double(value)) }
    mutating func encode(_ value: Float) throws { append(.double(Double(value))) }
    mutating func encode(_ value: Int) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) throws { append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { append(.int(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encodeChild(value, codingPath + [AnyKey(intValue: count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        node.arrayChildren[count] = child
        let path = codingPath + [AnyKey(intValue: count)]
        append(.emptyObject)
        return ValueEncoder(node: child, codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = EncodingNode()
        node.arrayChildren[count] = child
        let path = codingPath + [AnyKey(intValue: count)]
        append(.array([]))
        return ValueEncoder(node: child, codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let child = EncodingNode()
        node.arrayChildren[count] = child
        let path = codingPath + [AnyKey(intValue: count)]
        append(.emptyObject)
        return ValueEncoder(node: child, codingPath: path)
    }
}

private struct SingleEnc: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.single = .null }
    mutating func encode(_ value: Bool) throws { node.single = .bool(value) }
    mutating func encode(_ value: String) throws { node.single = .string(value) }
    mutating func encode(_ value: Double) throws { node.single = .double(value) }
    mutating func encode(_ value: Float) throws { node.single = .double(Double(value)) }
    mutating func encode(_ value: Int) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { node.single = .int(value) }
    mutating func encode(_ value: UInt) throws { node.single = .int(Int64(truncatingIfNeeded: value)) }
    mutating func encode(_ value: UInt8) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: UInt16) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: UInt32) throws { node.single = .int(Int64(value)) }
    mutating func encode(_ value: UInt64) throws { node.single = .int(Int64(truncatingIfNeeded: value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.single = try encodeChild(value, codingPath) }
}
