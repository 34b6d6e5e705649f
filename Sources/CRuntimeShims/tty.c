// Why: the terminal ioctls are only reachable through the variadic ioctl(2),
// and TIOCGPTPEER (open the slave relative to the master, immune to /dev/pts
// tricks) has no libc wrapper.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "swr_tty.h"

int swr_tty_set_controlling(int fd) { return ioctl(fd, TIOCSCTTY, 0); }

int swr_tty_get_winsize(int fd, uint16_t *rows, uint16_t *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) < 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

int swr_tty_set_winsize(int fd, uint16_t rows, uint16_t cols) {
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    return ioctl(fd, TIOCSWINSZ, &ws);
}

int swr_openpty_at(const char *ptmx, int *master, int *slave) {
    int m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) { int e = errno; close(m); errno = e; return -1; }
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) { int e = errno; close(m); errno = e; return -1; }
    *master = m;
    *slave = s;
    return 0;
}
