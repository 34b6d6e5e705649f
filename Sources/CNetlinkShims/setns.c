// setns(2) for the Netlink library: glibc declares it only under _GNU_SOURCE.
#define _GNU_SOURCE
#include <sched.h>
#include "CNetlinkShims.h"

int swr_netlink_setns(int fd, int nstype) { return setns(fd, nstype); }
