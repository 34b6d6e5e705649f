// Passing file descriptors over Unix sockets (SCM_RIGHTS): the CMSG_* helpers are macros.
#ifndef SWR_FDPASS_H
#define SWR_FDPASS_H
#include <stddef.h>
/// Sends `fd` with `len` bytes of payload over the Unix socket `sock`.
int swr_send_fd(int sock, int fd, const void *payload, size_t len);
/// Receives one descriptor (returned, or -1 with errno) and up to `cap` bytes of payload.
/// `*got` receives the payload length. The descriptor is received with O_CLOEXEC.
int swr_recv_fd(int sock, void *payload, size_t cap, size_t *got);
#endif
