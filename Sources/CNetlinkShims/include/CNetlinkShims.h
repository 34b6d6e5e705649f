// CNetlinkShims: what the Netlink library needs from C, kept apart from
// CRuntimeShims so that netlink users (kube-proxy) link libmnl only, not
// libseccomp and libcap.
//
// libmnl's socket API is plain C that Swift calls directly once its header
// is visible here; setns(2) is hidden behind _GNU_SOURCE in glibc's headers,
// so Swift's Glibc module does not export it.
#ifndef CNETLINKSHIMS_H
#define CNETLINKSHIMS_H

#include <libmnl/libmnl.h>

/// setns(2): moves the calling thread into the namespace `fd` refers to.
int swr_netlink_setns(int fd, int nstype);

#endif
