#ifdef __linux__
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include "CBatchedUDP.h"

_Static_assert(sizeof(struct fedns_mmsghdr) == sizeof(struct mmsghdr), "fedns_mmsghdr must match mmsghdr");
_Static_assert(offsetof(struct fedns_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "msg_len offset");

const int fedns_msg_waitforone = MSG_WAITFORONE;

int fedns_recvmmsg(int fd, struct fedns_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int fedns_sendmmsg(int fd, struct fedns_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}
#endif
