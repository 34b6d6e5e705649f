// Why: glibc 2.36 exposes none of these syscalls; Swift cannot use syscall(2),
// which is variadic.
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sched.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <linux/bpf.h>
#include <spawn.h>
#include <sys/stat.h>
#include "swr_syscalls.h"

int swr_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int swr_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

int swr_pidfd_send_signal(int pidfd, int sig, unsigned int flags) {
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}

int swr_seccomp_load_filter(unsigned int flags, const void *instructions, size_t len) {
    struct sock_fprog prog = {
        .len = (unsigned short)len,
        .filter = (struct sock_filter *)instructions,
    };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

int swr_bpf_load_cgroup_device_program(const void *instructions, size_t count, char *log, size_t log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)instructions;
    attr.insn_cnt = (uint32_t)count;
    attr.license = (uint64_t)(uintptr_t)"Apache";
    if (log != NULL && log_size > 0) {
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = (uint32_t)log_size;
        attr.log_level = 1;
    }
    return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

int swr_bpf_attach_cgroup_device(int cgroup_fd, int prog_fd, unsigned int flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = flags;
    return (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr));
}

int swr_bpf_query_cgroup_device(int cgroup_fd, uint32_t *ids, uint32_t *count) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)cgroup_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = *count;
    int rc = (int)syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr));
    if (rc == 0) *count = attr.query.prog_cnt;
    return rc;
}

int swr_bpf_prog_fd_by_id(uint32_t id) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    return (int)syscall(SYS_bpf, BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
}

int swr_bpf_detach_cgroup_device(int cgroup_fd, int prog_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    return (int)syscall(SYS_bpf, BPF_PROG_DETACH, &attr, sizeof(attr));
}

int swr_close_range(unsigned int first, unsigned int last, unsigned int flags) {
    return (int)syscall(SYS_close_range, first, last, flags);
}

int swr_memfd_create(const char *name, unsigned int flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}

int swr_setrlimit(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit limit = { .rlim_cur = soft, .rlim_max = hard };
    return prlimit(0, resource, &limit, NULL);
}

int swr_join_session_keyring(const char *name) {
    return (int)syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
}

int swr_setns(int fd, int nstype) { return setns(fd, nstype); }
int swr_unshare(int flags) { return unshare(flags); }
int swr_setresuid(uid_t r, uid_t e, uid_t s) { return setresuid(r, e, s); }
int swr_setresgid(gid_t r, gid_t e, gid_t s) { return setresgid(r, e, s); }
int swr_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
pid_t swr_fork_sibling(void) {
    return (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
}

int swr_errno(void) { return errno; }

int swr_spawn_closefrom(void *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, from);
}

int swr_is_mount_root(const char *path) {
    struct statx stx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, 0, &stx) != 0) return -1;
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
        errno = EOPNOTSUPP;
        return -1;
    }
    return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
}
