// AF_PACKET sockets for the load-balancer address announcer (ARP and NDP
// answers, MetalLB's layer-2 mode): struct sockaddr_ll and the packet
// socket options live in <linux/if_packet.h>, which Swift's Glibc module
// does not export.
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "CNetlinkShims.h"

int swr_packet_open(int ifindex, uint16_t ethertype) {
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ethertype));
    if (fd < 0) return -1;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int swr_packet_add_multicast(int fd, int ifindex, const uint8_t *mac) {
    struct packet_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.mr_ifindex = ifindex;
    mreq.mr_type = PACKET_MR_MULTICAST;
    mreq.mr_alen = 6;
    memcpy(mreq.mr_address, mac, 6);
    return setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq);
}

ssize_t swr_packet_send(int fd, int ifindex, uint16_t ethertype, const uint8_t *dst, const void *buf, size_t len) {
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = ifindex;
    sll.sll_halen = 6;
    memcpy(sll.sll_addr, dst, 6);
    return sendto(fd, buf, len, 0, (struct sockaddr *)&sll, sizeof sll);
}

ssize_t swr_packet_receive(int fd, void *buf, size_t len, uint8_t *src, int *pkttype) {
    struct sockaddr_ll sll;
    socklen_t sl = sizeof sll;
    memset(&sll, 0, sizeof sll);
    ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&sll, &sl);
    if (n >= 0) {
        memcpy(src, sll.sll_addr, 6);
        *pkttype = sll.sll_pkttype;
    }
    return n;
}
