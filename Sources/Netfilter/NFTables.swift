#if canImport(Glibc)
import Glibc
#endif
public import Netlink

/// Applies nf_tables batches over a netfilter netlink connection.
public struct NFTables {
    public let connection: any NetlinkConnection

    public init(connection: any NetlinkConnection) {
        self.connection = connection
    }

    /// A connection in the caller's (or `namespace`'s) network namespace.
    /// Fails with a clear message when the kernel has no nf_tables.
    public static func open(namespace: String? = nil) throws -> NFTables {
        do {
            let c = try namespace.map { try NetworkNamespace.connection(.netfilter, in: $0) } ?? MNLConnection(.netfilter)
            let t = NFTables(connection: c)
            _ = try t.tableExists(family: .ipv4, "swiftkube-probe-nonexistent")
            return t
        } catch let error as NetlinkError where [EPROTONOSUPPORT, ENOENT, EAFNOSUPPORT].contains(error.errno) {
            throw NetlinkError(errno: error.errno, operation: "talking to nf_tables",
                               detail: "this kernel has no nf_tables support (CONFIG_NF_TABLES, module nf_tables); load it with `modprobe nf_tables`")
        }
    }

    /// Sends the batch as one transaction. The kernel applies all of it or
    /// none; the error names the change that failed.
    public func apply(_ batch: NFTBatch) throws {
        guard !batch.isEmpty else { return }
        var messages = batch.framed
        // Only the last change asks for an ack: the kernel processes the batch
        // synchronously, so any error for an earlier change arrives before it.
        messages[messages.count - 2].flags.insert(.ack)
        _ = try connection.execute(messages)
    }

    /// Whether `table` exists.
    public func tableExists(family: NFT.Family, _ table: String) throws -> Bool {
        var m = NetlinkMessage(type: NFT.Message.getTable.type, flags: [.request, .ack], summary: "get table \(family.keyword) \(table)")
        m.append([family.rawValue, 0, 0, 0])
        m.attribute(NFT.TableAttr.name, string: table)
        do {
            try connection.execute(m)
            return true
        } catch let error as NetlinkError where error.errno == ENOENT {
            return false
        }
    }
}
