#ifndef CBATCHIO_H
#define CBATCHIO_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>

/* Batched datagram I/O for Swift: Glibc hides these behind _GNU_SOURCE. */
typedef struct mmsghdr cbatch_mmsghdr;

static inline int cbatch_recvmmsg(int fd, cbatch_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, messages, count, flags, (void *)0);
}

static inline int cbatch_sendmmsg(int fd, cbatch_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, messages, count, flags);
}
#endif
