#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSystem

/// The on-disk state of all containers under a root directory
/// (`--root`, default /run/swiftrun): one directory per container holding
/// `state.json`, the `exec.fifo` while created, and the monitor's `exit.json`.
public struct StateStore: Sendable {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// Validates an id the way runc does: usable as one path component.
    public static func validate(id: String) throws {
        guard !id.isEmpty, id.count <= 1024, id != ".", id != "..", !id.hasPrefix("."),
              id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_+-.".contains($0)) }) else {
            throw RuntimeError.invalidContainerID(id)
        }
    }

    public func directory(_ id: String) -> String { root + "/" + id }
    public func stateFile(_ id: String) -> String { directory(id) + "/state.json" }
    public func execFifo(_ id: String) -> String { directory(id) + "/exec.fifo" }
    public func exitFile(_ id: String) -> String { directory(id) + "/exit.json" }

    /// Creates the container's directory; fails if the id is taken.
    public func reserve(_ id: String) throws {
        try StateStore.validate(id: id)
        try FileIO.makeDirectories(root, mode: 0o711)
        if mkdir(directory(id), 0o711) != 0 {
            let code = errno
            if code == EEXIST { throw RuntimeError.containerExists(id) }
            throw SystemError(call: "mkdir", errno: code, context: directory(id))
        }
    }

    /// Writes the record. `spec` is `record.spec` already as JSON (the
    /// bundle's config.json as read, or ``encode(spec:)``): `create` saves a
    /// record three times, and the spec is most of its bytes and of the time
    /// encoding it.
    public func save(_ record: ContainerRecord, spec: [UInt8]? = nil) throws {
        try FileIO.writeAtomically(stateFile(record.id), try StateStore.encode(record, spec: spec))
    }

    /// A spec as the state file holds it.
    static func encode(spec: Spec) throws -> [UInt8] {
        Array(try encoder.encode(spec))
    }

    /// The state file's bytes: the record with sorted keys, the same whether
    /// or not its spec comes already encoded.
    static func encode(_ record: ContainerRecord, spec: [UInt8]? = nil) throws -> [UInt8] {
        guard let spec else { return Array(try encoder.encode(record)) }
        // "spec" sorts after every other key, so a stand-in spec ends the
        // object and the real one takes its place.
        var stub = record
        stub.spec = Spec(ociVersion: "")
        var bytes = Array(try encoder.encode(stub))
        let standIn = Array(#"{"ociVersion":""}}"#.utf8)
        guard bytes.count > standIn.count, bytes.suffix(standIn.count).elementsEqual(standIn) else {
            return Array(try encoder.encode(record))
        }
        bytes.removeLast(standIn.count)
        return bytes + spec + [UInt8(ascii: "}")]
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public func load(_ id: String) throws -> ContainerRecord {
        try StateStore.validate(id: id)
        let path = stateFile(id)
        return try StateStore.decoded.value(at: path) {
            let bytes: [UInt8]
            do {
                bytes = try FileIO.readBytes(path)
            } catch let error as SystemError where error.errno == ENOENT {
                if FileIO.isDirectory(directory(id)) {
                    throw RuntimeError.other("container \"\(id)\" has a state directory without state.json (a create was interrupted before it began); remove \(directory(id))")
                }
                throw RuntimeError.containerNotFound(id)
            }
            do {
                return try JSONDecoder().decode(ContainerRecord.self, from: Data(bytes))
            } catch {
                throw RuntimeError.other("state of container \"\(id)\" at \(path) is unreadable: \(error)")
            }
        }
    }

    /// The ids of all containers, sorted.
    public func ids() -> [String] {
        ids(prefix: "")
    }

    /// The ids that start with `prefix`: only those are checked to be
    /// container directories (a kubelet asks for one pod's among hundreds).
    public func ids(prefix: String) -> [String] {
        ((try? FileIO.listDirectory(root)) ?? [])
            .filter { $0.hasPrefix(prefix) && !$0.hasPrefix(".") && FileIO.isDirectory(directory($0)) }.sorted()
    }

    /// Removes the container's directory and everything in it.
    public func remove(_ id: String) throws {
        StateStore.decoded.forget(stateFile(id))
        try FileIO.removeTree(directory(id))
    }

    /// Takes an exclusive lock on the container for the duration of `body`,
    /// so two commands never change one container at once.
    public func withLock<T>(_ id: String, _ body: () throws -> T) throws -> T {
        let fd = open(directory(id), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw RuntimeError.containerNotFound(id) }
            throw SystemError(call: "open", errno: errno, context: directory(id))
        }
        defer { close(fd) }
        try sys("flock", directory(id)) { flock(fd, LOCK_EX) }
        return try body()
    }
}

extension StateStore {
    /// Records already decoded, by state file: a kubelet reads every pod's
    /// records each second, and decoding a record (it holds the whole OCI
    /// spec) costs far more than the stat(2) that shows it has not changed.
    static let decoded = DecodedFileCache<ContainerRecord>()
}

