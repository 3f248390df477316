#ifndef CBATCHEDUDP_H
#define CBATCHEDUDP_H

/* Batched datagram I/O for Swift. Glibc declares recvmmsg, sendmmsg, struct mmsghdr and MSG_WAITFORONE only with
   _GNU_SOURCE, which Swift's Glibc module does not set, and setting it in a header Swift imports changes other
   system structs under Swift's feet. So this header declares a struct of the same layout and two plain functions;
   CBatchedUDP.c, compiled with _GNU_SOURCE, makes the real calls. */

#ifdef __linux__
#include <sys/socket.h>

struct fedns_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/* MSG_WAITFORONE: return as soon as one datagram is there. */
extern const int fedns_msg_waitforone;

int fedns_recvmmsg(int fd, struct fedns_mmsghdr *messages, unsigned int count, int flags);
int fedns_sendmmsg(int fd, struct fedns_mmsghdr *messages, unsigned int count, int flags);
#endif

#endif
