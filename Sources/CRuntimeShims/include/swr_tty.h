// Terminal ioctls: ioctl(2) is variadic.
#ifndef SWR_TTY_H
#define SWR_TTY_H
#include <stdint.h>
/// ioctl(fd, TIOCSCTTY, 0): make `fd` the controlling terminal of the calling session.
int swr_tty_set_controlling(int fd);
/// ioctl(fd, TIOCGWINSZ).
int swr_tty_get_winsize(int fd, uint16_t *rows, uint16_t *cols);
/// ioctl(fd, TIOCSWINSZ).
int swr_tty_set_winsize(int fd, uint16_t rows, uint16_t cols);
/// Opens a new pseudo-terminal pair from `ptmx` (a path such as "/dev/ptmx"):
/// the master is returned in *master, the slave (opened O_NOCTTY) in *slave.
int swr_openpty_at(const char *ptmx, int *master, int *slave);
#endif
