#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// Loads a device program and attaches it to a cgroup v2 directory.
public enum DeviceFilterLoader {
    /// Attaches `program` to the cgroup at `path`, replacing device programs
    /// this runtime attached earlier (so `update` does not stack them).
    public static func attach(_ program: [BPFInstruction], to path: String) throws {
        let bytes = program.flatMap(\.bytes)
        var log = [CChar](repeating: 0, count: 65536)
        let progFD = bytes.withUnsafeBytes { buf in
            swr_bpf_load_cgroup_device_program(buf.baseAddress, program.count, &log, log.count)
        }
        guard progFD >= 0 else {
            let code = errno
            let verifier = String(nulTerminated: log)
            throw SystemError(call: "bpf(BPF_PROG_LOAD)", errno: code, context: "device program for \(path)" + (verifier.isEmpty ? "" : " (verifier: \(verifier))"))
        }
        defer { close(progFD) }
        let cgroupFD = try sys("open", path) { open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC) }
        defer { close(cgroupFD) }

        var ids = [UInt32](repeating: 0, count: 64)
        var count = UInt32(ids.count)
        let old: [UInt32] = swr_bpf_query_cgroup_device(cgroupFD, &ids, &count) == 0 ? Array(ids.prefix(Int(count))) : []

        let BPF_F_ALLOW_MULTI: UInt32 = 2
        try sys("bpf(BPF_PROG_ATTACH)", path) { swr_bpf_attach_cgroup_device(cgroupFD, progFD, BPF_F_ALLOW_MULTI) }
        for id in old {
            let fd = swr_bpf_prog_fd_by_id(id)
            if fd >= 0 {
                _ = swr_bpf_detach_cgroup_device(cgroupFD, fd)
                close(fd)
            }
        }
    }
}
