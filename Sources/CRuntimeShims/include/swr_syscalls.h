// Syscalls without a glibc wrapper on Debian 12 (glibc 2.36).
#ifndef SWR_SYSCALLS_H
#define SWR_SYSCALLS_H
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/// pivot_root(2): glibc has no wrapper.
int swr_pivot_root(const char *new_root, const char *put_old);
/// pidfd_open(2): a file descriptor that refers to a process, immune to pid reuse.
int swr_pidfd_open(pid_t pid, unsigned int flags);
/// pidfd_send_signal(2).
int swr_pidfd_send_signal(int pidfd, int sig, unsigned int flags);
/// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog): loads a compiled BPF filter of
/// `len` instructions (8 bytes each), as produced by libseccomp's export.
int swr_seccomp_load_filter(unsigned int flags, const void *instructions, size_t len);
/// bpf(BPF_PROG_LOAD) of a BPF_PROG_TYPE_CGROUP_DEVICE program; returns the program fd.
/// `log` may be NULL; when set it receives the verifier log.
int swr_bpf_load_cgroup_device_program(const void *instructions, size_t count, char *log, size_t log_size);
/// bpf(BPF_PROG_ATTACH) of a device program to a cgroup v2 directory fd.
int swr_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd, unsigned int flags);
/// bpf(BPF_PROG_QUERY): the ids of device programs attached to a cgroup.
int swr_bpf_query_cgroup_device(int cgroup_fd, uint32_t *ids, uint32_t *count);
/// bpf(BPF_PROG_GET_FD_BY_ID).
int swr_bpf_prog_fd_by_id(uint32_t id);
/// bpf(BPF_PROG_DETACH) of one device program from a cgroup.
int swr_bpf_detach_cgroup_device(int cgroup_fd, int prog_fd);
/// close_range(2), with glibc's wrapper missing on some builds.
int swr_close_range(unsigned int first, unsigned int last, unsigned int flags);
/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+, declared only
/// with _GNU_SOURCE): the child closes every descriptor from `from` up, so
/// descriptors opened without O_CLOEXEC (SwiftNIO's sockets) never leak
/// into spawned processes. `actions` is a posix_spawn_file_actions_t *.
int swr_spawn_closefrom(void *actions, int from);
/// memfd_create(2) (hidden behind _GNU_SOURCE in glibc's headers).
int swr_memfd_create(const char *name, unsigned int flags);
/// prlimit(2) on the calling process (glibc declares it only with _GNU_SOURCE).
int swr_setrlimit(int resource, uint64_t soft, uint64_t hard);
/// keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): gives the caller a new session keyring.
int swr_join_session_keyring(const char *name);
/// setns(2), unshare(2), setresuid(2), setresgid(2): glibc declares them only
/// under _GNU_SOURCE, which Swift's Glibc module is built without.
int swr_setns(int fd, int nstype);
int swr_unshare(int flags);
int swr_setresuid(uid_t r, uid_t e, uid_t s);
int swr_setresgid(gid_t r, gid_t e, gid_t s);
/// statx(2) (_GNU_SOURCE-only): 1 if `path` is the root of a mount, 0 if
/// not; -1 with errno on failure, EOPNOTSUPP when the kernel does not report
/// STATX_ATTR_MOUNT_ROOT (before Linux 5.8). Does not follow a final symlink.
int swr_is_mount_root(const char *path);
/// pipe2(2) with O_CLOEXEC (also _GNU_SOURCE-only): no window where a concurrent spawn inherits it.
int swr_pipe_cloexec(int fds[2]);
/// clone(CLONE_PARENT | SIGCHLD): fork, but the child becomes a child of our
/// parent (the runtime), so the runtime reaps and waits for the container's
/// process directly, even though it lives in another pid namespace.
/// Only for single-threaded callers, like fork(2).
pid_t swr_fork_sibling(void);
/// The thread's errno after a failed libc call (Swift sees errno, but this keeps shims uniform).
int swr_errno(void);

#endif
