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

#include <stdint.h>
#include <sys/types.h>

/// An AF_PACKET datagram socket bound to interface `ifindex` for `ethertype`
/// (link headers stripped on receive, built by the kernel on send); -1 and errno on failure.
int swr_packet_open(int ifindex, uint16_t ethertype);
/// Joins the link-layer multicast group `mac` (6 bytes) on the socket's interface.
int swr_packet_add_multicast(int fd, int ifindex, const uint8_t *mac);
/// Sends `len` bytes to link-layer address `dst` (6 bytes).
ssize_t swr_packet_send(int fd, int ifindex, uint16_t ethertype, const uint8_t *dst, const void *buf, size_t len);
/// Receives one datagram; `src` (6 bytes) gets the sender's link-layer address, `pkttype` PACKET_HOST, _BROADCAST, ….
ssize_t swr_packet_receive(int fd, void *buf, size_t len, uint8_t *src, int *pkttype);

#endif
