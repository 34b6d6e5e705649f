// CRuntimeShims: the small part of the runtime that Swift cannot express.
//
// Swift cannot call C variadic functions (prctl, ioctl), function-like macros
// (SCMP_ACT_ERRNO, CMSG_*), or syscalls glibc has no wrapper for (pivot_root,
// pidfd_*, seccomp, bpf). Each file here holds one such concern; every
// function is prefixed `swr_` and returns -1 with errno set on failure, like
// the syscall it wraps. All logic lives in Swift.
#ifndef CRUNTIMESHIMS_H
#define CRUNTIMESHIMS_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/xattr.h>
#include <seccomp.h>
#include <sys/capability.h>

#include "swr_syscalls.h"
#include "swr_prctl.h"
#include "swr_fdpass.h"
#include "swr_tty.h"
#include "swr_seccomp.h"
#include "swr_signals.h"
#include "swr_malloc.h"

#endif
