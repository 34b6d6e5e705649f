#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// The last steps before the user process: limits, privileges, identity,
/// working directory, seccomp, then execve. Order matters and follows runc:
/// rlimits and the bounding set need privileges, so they come first; seccomp
/// without no_new_privs needs CAP_SYS_ADMIN, so it is loaded before the user
/// change; with no_new_privs it is loaded last, to constrain as little of our
/// own setup as possible.
enum ProcessFinalizer {
    /// Applies everything and returns the resolved executable path.
    static func prepare(_ p: InitProcess, preserveFDs: Int32, keepFDs: [Int32]) throws -> String {
        for limit in p.rlimits { try limit.apply() }
        if p.noNewPrivileges {
            try sys("prctl(PR_SET_NO_NEW_PRIVS)") { swr_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) }
        }
        if let seccomp = p.seccomp, !p.noNewPrivileges {
            try SeccompCompiler.load(seccomp)
        }
        // Everything above 2 that is not preserved or still needed closes at exec.
        markCloseOnExec(from: 3 + preserveFDs)
        try CapabilityApplier.dropBounding(keeping: p.capabilities.bounding)
        try sys("prctl(PR_SET_KEEPCAPS)") { swr_prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) }
        var groups = p.additionalGids.map { gid_t($0) }
        if setgroups(groups.count, &groups) != 0 {
            let code = errno
            // In a user namespace with setgroups denied, an empty list is the only option.
            if !(code == EPERM && groups.isEmpty) {
                throw SystemError(call: "setgroups", errno: code, context: "\(p.additionalGids)")
            }
        }
        try sys("setresgid", "gid \(p.gid)") { swr_setresgid(p.gid, p.gid, p.gid) }
        try sys("setresuid", "uid \(p.uid)") { swr_setresuid(p.uid, p.uid, p.uid) }
        try sys("prctl(PR_SET_KEEPCAPS)") { swr_prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) }
        try CapabilityApplier.apply(p.capabilities)
        if chdir(p.cwd) != 0 {
            throw SystemError(call: "chdir", errno: errno, context: "process.cwd \(p.cwd)")
        }
        if let mask = p.umask { umask(mode_t(mask)) }
        let path = try lookPath(p.args[0], env: p.env)
        if let seccomp = p.seccomp, p.noNewPrivileges {
            try SeccompCompiler.load(seccomp)
        }
        return path
    }

    static func markCloseOnExec(from first: Int32) {
        if swr_close_range(UInt32(first), UInt32.max, 4 /* CLOSE_RANGE_CLOEXEC */) == 0 { return }
        var fd = first
        while fd < 4096 {
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
            fd += 1
        }
    }

    /// Finds `name` in the PATH of `env` (or the default PATH), like execvp,
    /// so "not found" is reported at create time with the name users typed.
    static func lookPath(_ name: String, env: [String]) throws -> String {
        if name.contains("/") {
            try checkExecutable(name, name: name)
            return name
        }
        let pathVar = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        var denied = false
        for dir in pathVar.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            var st = stat()
            guard stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
            denied = true
        }
        if denied {
            throw RuntimeError.other("exec: \"\(name)\": permission denied")
        }
        throw RuntimeError.other("exec: \"\(name)\": executable file not found in $PATH")
    }

    static func checkExecutable(_ path: String, name: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw RuntimeError.other("exec: \"\(name)\": \(String(cString: strerror(errno)))")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError.other("exec: \"\(name)\": is a directory")
        }
        if access(path, X_OK) != 0 {
            throw RuntimeError.other("exec: \"\(name)\": permission denied")
        }
    }

    /// Replaces the process image; on failure reports it and exits 127 (126 for permission).
    static func exec(path: String, process p: InitProcess, channel: InitChannel) -> Never {
        var env = p.env
        if !env.contains(where: { $0.hasPrefix("HOME=") }) {
            env.append("HOME=" + homeDirectory(uid: p.uid))
        }
        withCStrings(p.args) { argv in
            withCStrings(env) { envp in
                _ = execve(path, argv, envp)
            }
        }
        let code = errno
        let message = "exec: \"\(p.args[0])\": \(String(cString: strerror(code)))"
        try? channel.send(.execFailed(message: message))
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        _exit(code == EACCES ? 126 : 127)
    }

    /// The home directory of `uid` from the container's /etc/passwd, or "/".
    static func homeDirectory(uid: UInt32) -> String {
        guard let text = try? FileIO.read("/etc/passwd") else { return "/" }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            if f.count >= 6, UInt32(f[2]) == uid { return String(f[5]) }
        }
        return "/"
    }
}
