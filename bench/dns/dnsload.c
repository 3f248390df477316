/*
 * dnsload: the DNS load generator of bench/dns, built with gcc when the bench runs.
 *
 * Why our own: on a 2-core machine (server on one core, generator on the other) dnsperf topped out near the
 * servers' own rate, so its figures said more about dnsperf than about the servers. This one does little per query:
 * queries are prebuilt wire messages (only the ID is patched), UDP goes out and comes back in batches through
 * sendmmsg/recvmmsg on connected sockets, and the loop blocks in poll() whenever it has nothing to do, so its CPU
 * use is its real work and a saturated generator shows as one (busy close to 100 %).
 *
 *   dnsload MODE -p PORT -f QUERIES -d SECONDS [-s 127.0.0.1] [-c N] [-w N] [-b N] [-Q QPS] [-t MS] [-n]
 *
 * MODE
 *   udp   saturation (closed loop): N sockets, up to W queries outstanding on each; or, with -Q, one query every
 *         1/QPS seconds (paced one by one, for latency at a fixed rate)
 *   tcp   pipelined: N connections, up to W queries outstanding on each (RFC 7766 framing)
 *   tcp1  one query per connection: N connections in flight; each connects, sends one query, reads the answer
 *         and closes with an RST (SO_LINGER 0), so no TIME_WAIT state piles up on the generator's side
 *
 * QUERIES is a file of records: u16 length (big endian), u8 expected rcode (255: any), then the query in wire
 * format with ID 0. Queries are sent in file order, round robin. -n skips the rcode check (for the floor servers,
 * which answer everything with the same record).
 *
 * Prints one line of key=value: sent, received, lost (no answer within -t ms), late (answers that came after
 * that), wrong (an rcode other than the expected one, not a response, shorter than a header), errors (socket
 * errors: refused, reset), elapsed, qps, latency percentiles in microseconds (from send, or for tcp1 from connect,
 * to answer), and the generator's own cost: cpu (user + system seconds / elapsed) and busy ((on-CPU + waiting for
 * a CPU) / elapsed, from /proc/self/schedstat): busy near 1 means the generator had no idle time, so it, not the
 * server, may have been the limit. With -P, the same two figures for the server's processes (server_cpu_s, the
 * on-CPU seconds of all their threads, and server_busy), read over exactly the counted part of the run.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 4096            /* outstanding queries per stream are tracked by ID modulo SLOTS */
#define MAX_STREAMS 1024
#define MAX_BATCH 256
#define MAX_QUERY 512
#define HIST_US 100000        /* latency histogram: 1 us buckets up to 100 ms, then one overflow bucket */

typedef struct {
    uint16_t length;
    uint8_t rcode;
    const uint8_t *wire; /* into query_bytes */
} query_t;

static query_t *queries;
static uint8_t *query_bytes;
static size_t query_count, next_query;

static struct {
    int check_rcode;
    uint64_t sent, received, lost, late, wrong, errors;
    uint64_t hist[HIST_US + 1];
} stats = {.check_rcode = 1};

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

/* The counted part of the run starts after the warm-up; the generator's own cost is read from that moment. */
static struct {
    int marked;
    uint64_t start, run, wait, server_run, server_wait;
    double cpu;
} mark;

static double cpu_seconds(void);
static void schedstat(uint64_t *run, uint64_t *wait);
static void server_schedstat(uint64_t *run, uint64_t *wait);

static int counting_at(uint64_t now, uint64_t warm_end) {
    if (now < warm_end) return 0;
    if (!mark.marked) {
        mark.marked = 1;
        mark.start = now;
        mark.cpu = cpu_seconds();
        schedstat(&mark.run, &mark.wait);
        server_schedstat(&mark.server_run, &mark.server_wait);
    }
    return 1;
}

static void record_latency(uint64_t ns) {
    uint64_t us = ns / 1000;
    stats.hist[us < HIST_US ? us : HIST_US]++;
}

static double percentile(double p) {
    uint64_t total = 0, seen = 0;
    for (size_t i = 0; i <= HIST_US; i++) total += stats.hist[i];
    if (total == 0) return -1;
    uint64_t rank = (uint64_t)(p * (double)total);
    if (rank >= total) rank = total - 1;
    for (size_t i = 0; i <= HIST_US; i++) {
        seen += stats.hist[i];
        if (seen > rank) return (double)i;
    }
    return (double)HIST_US;
}

/* One stream: a UDP socket or a TCP connection, with its outstanding queries by ID. */
typedef struct {
    int fd;
    uint16_t next_id;
    uint32_t outstanding;
    uint64_t sent_at[SLOTS]; /* 0: free */
    uint16_t id_at[SLOTS];
    uint32_t query_at[SLOTS];
    /* TCP: bytes waiting to be written, and a partial answer being read */
    uint8_t *out;
    size_t out_len, out_cap;
    uint8_t in[65536 + 2];
    size_t in_len;
    /* tcp1 */
    int state;               /* 0 idle, 1 connecting, 2 waiting for the answer */
    uint64_t started;
} stream_t;

static stream_t *streams;
static int stream_count;

/* Takes the next query and a free ID on stream s; returns the query index, writes the ID. */
static size_t claim(stream_t *s, uint64_t now, uint16_t *id_out) {
    for (int tries = 0; tries < SLOTS; tries++) {
        uint16_t id = s->next_id++;
        uint32_t slot = id % SLOTS;
        if (s->sent_at[slot] == 0) {
            size_t q = next_query;
            next_query = (next_query + 1) % query_count;
            s->sent_at[slot] = now ? now : 1;
            s->id_at[slot] = id;
            s->query_at[slot] = (uint32_t)q;
            s->outstanding++;
            *id_out = id;
            return q;
        }
    }
    fprintf(stderr, "dnsload: no free ID slot (window larger than %d?)\n", SLOTS);
    exit(2);
}

static void release(stream_t *s, uint32_t slot) {
    s->sent_at[slot] = 0;
    s->outstanding--;
}

/* An answer on stream s: matched by ID, checked, timed. */
static void answer(stream_t *s, const uint8_t *msg, size_t len, uint64_t now, int counting) {
    if (len < 12) {
        stats.wrong += counting;
        return;
    }
    uint16_t id = (uint16_t)(msg[0] << 8 | msg[1]);
    uint32_t slot = id % SLOTS;
    if (s->sent_at[slot] == 0 || s->id_at[slot] != id) {
        stats.late += counting; /* after its timeout: already counted lost */
        return;
    }
    const query_t *q = &queries[s->query_at[slot]];
    uint8_t rcode = msg[3] & 0x0f;
    int ok = (msg[2] & 0x80) && (!stats.check_rcode || q->rcode == 255 || q->rcode == rcode);
    if (counting) {
        if (ok) {
            stats.received++;
            record_latency(now - s->sent_at[slot]);
        } else {
            stats.wrong++;
        }
    }
    release(s, slot);
}

/* Queries with no answer after timeout_ns are lost; their slots are freed so the window keeps moving. */
static void sweep(uint64_t now, uint64_t timeout_ns, int counting) {
    for (int i = 0; i < stream_count; i++) {
        stream_t *s = &streams[i];
        if (s->outstanding == 0) continue;
        for (uint32_t slot = 0; slot < SLOTS; slot++) {
            if (s->sent_at[slot] && now - s->sent_at[slot] > timeout_ns) {
                release(s, slot);
                stats.lost += counting;
            }
        }
    }
}

static void set_nonblocking(int fd) {
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
}

/* ---------------------------------------------------------------- UDP */

static void udp_open(struct sockaddr_in *server, int count) {
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) die("socket");
        int size = 4 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        if (connect(fd, (struct sockaddr *)server, sizeof *server) < 0) die("connect");
        set_nonblocking(fd);
        streams[i].fd = fd;
    }
    stream_count = count;
}

static uint8_t send_buf[MAX_BATCH][MAX_QUERY];
static uint8_t recv_buf[MAX_BATCH][4096];

/* Sends up to n queries on s in one sendmmsg; returns how many went out. */
static int udp_send(stream_t *s, int n, uint64_t now, int counting) {
    struct mmsghdr msgs[MAX_BATCH];
    struct iovec iov[MAX_BATCH];
    uint32_t slots[MAX_BATCH];
    for (int i = 0; i < n; i++) {
        uint16_t id;
        size_t q = claim(s, now, &id);
        memcpy(send_buf[i], queries[q].wire, queries[q].length);
        send_buf[i][0] = id >> 8;
        send_buf[i][1] = id & 0xff;
        slots[i] = id % SLOTS;
        iov[i] = (struct iovec){send_buf[i], queries[q].length};
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int done = sendmmsg(s->fd, msgs, (unsigned)n, 0);
    if (done < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED) die("sendmmsg");
        if (errno == ECONNREFUSED) stats.errors++;
        done = 0;
    }
    for (int i = done; i < n; i++) release(s, slots[i]); /* not sent: give the slots back */
    if (counting) stats.sent += (uint64_t)done;
    return done;
}

/* Reads every answer waiting on s; returns how many. */
static int udp_receive(stream_t *s, int batch, int counting) {
    struct mmsghdr msgs[MAX_BATCH];
    struct iovec iov[MAX_BATCH];
    int total = 0;
    for (;;) {
        for (int i = 0; i < batch; i++) {
            iov[i] = (struct iovec){recv_buf[i], sizeof recv_buf[i]};
            memset(&msgs[i], 0, sizeof msgs[i]);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int got = recvmmsg(s->fd, msgs, (unsigned)batch, MSG_DONTWAIT, NULL);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
            if (errno == ECONNREFUSED) { /* ICMP from an earlier send: the server is gone */
                stats.errors++;
                return total;
            }
            die("recvmmsg");
        }
        uint64_t now = now_ns();
        for (int i = 0; i < got; i++) answer(s, recv_buf[i], msgs[i].msg_len, now, counting);
        total += got;
        if (got < batch) return total;
    }
}

static void run_udp(uint64_t end, uint64_t warm_end, int window, int batch, double rate, uint64_t timeout_ns) {
    struct pollfd fds[MAX_STREAMS];
    uint64_t interval = rate > 0 ? (uint64_t)(1e9 / rate) : 0, next_send = now_ns(), next_sweep = 0;
    int turn = 0;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) break;
        int counting = counting_at(now, warm_end), progress = 0;
        if (interval) {
            /* Paced: each query at its own time; if we fell behind, send what is due (never more than a batch). */
            for (int sent = 0; next_send <= now && sent < MAX_BATCH; sent++) {
                stream_t *s = &streams[turn++ % stream_count];
                if (s->outstanding < (uint32_t)window) udp_send(s, 1, now_ns(), counting);
                next_send += interval;
                progress = 1;
            }
        } else {
            for (int i = 0; i < stream_count; i++) {
                stream_t *s = &streams[i];
                int room = window - (int)s->outstanding;
                while (room > 0) {
                    int n = room < batch ? room : batch;
                    int done = udp_send(s, n, now, counting);
                    if (done <= 0) break;
                    room -= done;
                    progress = 1;
                }
            }
        }
        for (int i = 0; i < stream_count; i++) progress |= udp_receive(&streams[i], batch, counting) > 0;
        now = now_ns();
        if (now >= next_sweep) {
            sweep(now, timeout_ns, counting);
            next_sweep = now + 50000000u;
        }
        if (now >= end) break; /* (and end - now below cannot wrap) */
        if (!progress || interval) {
            uint64_t wait = 10000000u; /* 10 ms at most, for the sweep and the deadline */
            if (interval) wait = next_send > now ? next_send - now : 0;
            if (wait > end - now) wait = end - now;
            for (int i = 0; i < stream_count; i++) fds[i] = (struct pollfd){streams[i].fd, POLLIN, 0};
            struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
            if (wait > 0 && ppoll(fds, (nfds_t)stream_count, &ts, NULL) < 0 && errno != EINTR) die("ppoll");
        }
    }
}

/* ---------------------------------------------------------------- TCP */

static int tcp_connect(struct sockaddr_in *server, int *in_progress) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_nonblocking(fd);
    *in_progress = 0;
    if (connect(fd, (struct sockaddr *)server, sizeof *server) < 0) {
        if (errno != EINPROGRESS) {
            close(fd);
            return -1;
        }
        *in_progress = 1;
    }
    return fd;
}

static void out_append(stream_t *s, const uint8_t *bytes, size_t len) {
    if (s->out_len + len > s->out_cap) {
        s->out_cap = (s->out_len + len) * 2;
        s->out = realloc(s->out, s->out_cap);
        if (!s->out) die("realloc");
    }
    memcpy(s->out + s->out_len, bytes, len);
    s->out_len += len;
}

/* Frames the next query onto s's output. */
static void tcp_queue(stream_t *s, uint64_t now) {
    uint16_t id;
    size_t q = claim(s, now, &id);
    uint8_t frame[2 + MAX_QUERY];
    frame[0] = queries[q].length >> 8;
    frame[1] = queries[q].length & 0xff;
    memcpy(frame + 2, queries[q].wire, queries[q].length);
    frame[2] = id >> 8;
    frame[3] = id & 0xff;
    out_append(s, frame, 2u + queries[q].length);
}

/* Writes what s has queued; returns -1 on a dead connection. */
static int tcp_flush(stream_t *s, int counting) {
    while (s->out_len > 0) {
        ssize_t n = send(s->fd, s->out, s->out_len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            stats.errors += counting;
            return -1;
        }
        memmove(s->out, s->out + n, s->out_len - (size_t)n);
        s->out_len -= (size_t)n;
    }
    return 0;
}

/* Reads answers from s; returns the number read, -1 on a closed or failed connection. */
static int tcp_read(stream_t *s, int counting) {
    int answers = 0;
    for (;;) {
        ssize_t n = recv(s->fd, s->in + s->in_len, sizeof s->in - s->in_len, 0);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return answers;
            return -1;
        }
        s->in_len += (size_t)n;
        uint64_t now = now_ns();
        size_t pos = 0;
        while (s->in_len - pos >= 2) {
            size_t len = (size_t)(s->in[pos] << 8 | s->in[pos + 1]);
            if (s->in_len - pos < 2 + len) break;
            answer(s, s->in + pos + 2, len, now, counting);
            answers++;
            pos += 2 + len;
        }
        memmove(s->in, s->in + pos, s->in_len - pos);
        s->in_len -= pos;
    }
}

static void run_tcp(struct sockaddr_in *server, int count, uint64_t end, uint64_t warm_end, int window) {
    struct pollfd fds[MAX_STREAMS];
    for (int i = 0; i < count; i++) {
        int pending;
        streams[i].fd = tcp_connect(server, &pending);
        if (streams[i].fd < 0) die("connect");
    }
    stream_count = count;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) break;
        int counting = counting_at(now, warm_end), progress = 0;
        for (int i = 0; i < count; i++) {
            stream_t *s = &streams[i];
            if (s->fd < 0) continue;
            int queued = 0;
            while (s->outstanding < (uint32_t)window) {
                tcp_queue(s, now);
                queued++;
            }
            if (queued && counting) stats.sent += (uint64_t)queued;
            int got = tcp_read(s, counting);
            if (got < 0 || tcp_flush(s, counting) < 0) {
                /* The server closed us (idle timeout, connection cap): count it and reconnect. */
                stats.errors += counting;
                stats.lost += counting ? s->outstanding : 0;
                close(s->fd);
                memset(s->sent_at, 0, sizeof s->sent_at);
                s->outstanding = 0;
                s->out_len = s->in_len = 0;
                int pending;
                s->fd = tcp_connect(server, &pending);
                progress = 1;
                continue;
            }
            progress |= got > 0;
        }
        if (!progress) {
            for (int i = 0; i < count; i++)
                fds[i] = (struct pollfd){streams[i].fd, (short)(POLLIN | (streams[i].out_len ? POLLOUT : 0)), 0};
            int wait = (int)((end - now) / 1000000u) + 1;
            if (poll(fds, (nfds_t)count, wait < 100 ? wait : 100) < 0 && errno != EINTR) die("poll");
        }
    }
}

/* One query per connection: connect, send, read the answer, close with RST; again. */
static void run_tcp1(struct sockaddr_in *server, int count, uint64_t end, uint64_t warm_end, uint64_t timeout_ns) {
    struct pollfd fds[MAX_STREAMS];
    struct linger abortive = {1, 0};
    stream_count = count;
    for (int i = 0; i < count; i++) streams[i].fd = -1;
    for (;;) {
        uint64_t now = now_ns();
        if (now >= end) break;
        int counting = counting_at(now, warm_end);
        for (int i = 0; i < count; i++) {
            stream_t *s = &streams[i];
            if (s->state == 0) {
                int pending;
                s->fd = tcp_connect(server, &pending);
                if (s->fd < 0) {
                    stats.errors += counting;
                    continue;
                }
                s->started = now;
                s->state = 1;
                s->in_len = 0;
            }
        }
        for (int i = 0; i < count; i++) {
            stream_t *s = &streams[i];
            fds[i] = (struct pollfd){s->fd, (short)(s->state == 1 ? POLLOUT : POLLIN), 0};
        }
        int wait = (int)((end - now) / 1000000u) + 1;
        int ready = poll(fds, (nfds_t)count, wait < 100 ? wait : 100);
        if (ready < 0 && errno != EINTR) die("poll");
        now = now_ns();
        for (int i = 0; i < count; i++) {
            stream_t *s = &streams[i];
            int finished = 0, failed = 0;
            if (s->state == 1 && (fds[i].revents & (POLLOUT | POLLERR | POLLHUP))) {
                int error = 0;
                socklen_t length = sizeof error;
                getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &error, &length);
                if (error) {
                    failed = 1;
                } else {
                    tcp_queue(s, s->started);
                    stats.sent += counting;
                    if (tcp_flush(s, counting) < 0) failed = 1;
                    s->state = 2;
                }
            } else if (s->state == 2 && (fds[i].revents & (POLLIN | POLLERR | POLLHUP))) {
                int got = tcp_read(s, counting);
                if (got > 0) finished = 1;
                else if (got < 0) failed = 1;
            } else if (now - s->started > timeout_ns) {
                stats.lost += counting;
                failed = 1;
            }
            if (finished || failed) {
                if (failed) {
                    stats.errors += counting;
                    memset(s->sent_at, 0, sizeof s->sent_at);
                    s->outstanding = 0;
                }
                s->out_len = 0;
                setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
                close(s->fd);
                s->fd = -1;
                s->state = 0;
            }
        }
    }
}

/* ---------------------------------------------------------------- main */

static void load_queries(const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) die(path);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    query_bytes = malloc((size_t)size + 1);
    if (!query_bytes || fread(query_bytes, 1, (size_t)size, file) != (size_t)size) die(path);
    fclose(file);
    size_t capacity = 1024;
    queries = malloc(capacity * sizeof *queries);
    for (size_t pos = 0; pos < (size_t)size;) {
        if (query_count == capacity) {
            capacity *= 2;
            queries = realloc(queries, capacity * sizeof *queries);
            if (!queries) die("realloc");
        }
        query_t *q = &queries[query_count];
        if (pos + 3 > (size_t)size) break;
        q->length = (uint16_t)(query_bytes[pos] << 8 | query_bytes[pos + 1]);
        q->rcode = query_bytes[pos + 2];
        q->wire = query_bytes + pos + 3;
        if (q->length < 12 || q->length > MAX_QUERY || pos + 3 + q->length > (size_t)size) {
            fprintf(stderr, "dnsload: %s: bad record %zu\n", path, query_count);
            exit(2);
        }
        pos += 3u + q->length;
        query_count++;
    }
    if (query_count == 0) {
        fprintf(stderr, "dnsload: %s: no queries\n", path);
        exit(2);
    }
}

/* (on-CPU, waiting-for-CPU) nanoseconds of this process's only thread. */
static void schedstat(uint64_t *run, uint64_t *wait) {
    *run = *wait = 0;
    FILE *file = fopen("/proc/self/schedstat", "r");
    if (!file) return;
    unsigned long long a = 0, b = 0;
    if (fscanf(file, "%llu %llu", &a, &b) == 2) {
        *run = a;
        *wait = b;
    }
    fclose(file);
}

/* The server's processes (-P), so its CPU is read over exactly the counted part of the run. */
static int server_pids[64], server_pid_count;

/* (on-CPU, waiting-for-CPU) nanoseconds summed over every thread of the server's processes. */
static void server_schedstat(uint64_t *run, uint64_t *wait) {
    *run = *wait = 0;
    for (int i = 0; i < server_pid_count; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", server_pids[i]);
        DIR *tasks = opendir(path);
        if (!tasks) continue;
        struct dirent *task;
        while ((task = readdir(tasks)) != NULL) {
            if (task->d_name[0] == '.') continue;
            char file[320];
            snprintf(file, sizeof file, "/proc/%d/task/%s/schedstat", server_pids[i], task->d_name);
            FILE *stat = fopen(file, "r");
            if (!stat) continue;
            unsigned long long a = 0, b = 0;
            if (fscanf(stat, "%llu %llu", &a, &b) == 2) {
                *run += a;
                *wait += b;
            }
            fclose(stat);
        }
        closedir(tasks);
    }
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
           usage.ru_stime.tv_usec / 1e6;
}

static void usage(void) {
    fprintf(stderr, "usage: dnsload udp|tcp|tcp1 -p PORT -f QUERIES -d SECONDS [-s ADDRESS] [-c N] [-w N] [-b N] "
                    "[-Q QPS] [-t MS] [-W WARMUP_SECONDS] [-P SERVER_PID,...] [-n]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *mode = argv[1], *address = "127.0.0.1", *file = NULL;
    int port = 0, count = 4, window = 128, batch = 32;
    double duration = 5, rate = 0, warmup = 0.5, timeout_ms = 1000;
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "s:p:f:d:c:w:b:Q:t:W:P:n")) != -1) {
        switch (opt) {
        case 's': address = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'f': file = optarg; break;
        case 'd': duration = atof(optarg); break;
        case 'c': count = atoi(optarg); break;
        case 'w': window = atoi(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'Q': rate = atof(optarg); break;
        case 't': timeout_ms = atof(optarg); break;
        case 'W': warmup = atof(optarg); break;
        case 'n': stats.check_rcode = 0; break;
        case 'P':
            for (char *pid = strtok(optarg, ","); pid && server_pid_count < 64; pid = strtok(NULL, ","))
                server_pids[server_pid_count++] = atoi(pid);
            break;
        default: usage();
        }
    }
    if (!port || !file || count < 1 || count > MAX_STREAMS || window < 1 || window >= SLOTS || batch < 1 ||
        batch > MAX_BATCH || duration <= 0)
        usage();
    load_queries(file);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* paced sends wake on time, not 50 us late */

    struct sockaddr_in server = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &server.sin_addr) != 1) usage();
    streams = calloc((size_t)count, sizeof *streams);
    if (!streams) die("calloc");

    uint64_t warm_end = now_ns() + (uint64_t)(warmup * 1e9), end = warm_end + (uint64_t)(duration * 1e9),
             timeout_ns = (uint64_t)(timeout_ms * 1e6);
    if (strcmp(mode, "udp") == 0) {
        udp_open(&server, count);
        run_udp(end, warm_end, window, batch, rate, timeout_ns);
    } else if (strcmp(mode, "tcp") == 0) {
        run_tcp(&server, count, end, warm_end, window);
    } else if (strcmp(mode, "tcp1") == 0) {
        run_tcp1(&server, count, end, warm_end, timeout_ns);
    } else {
        usage();
    }
    uint64_t finish = now_ns(), run, wait, server_run, server_wait;
    counting_at(finish, 0); /* a run shorter than its warm-up still reports */
    double elapsed = (double)(finish - mark.start) / 1e9, cpu = cpu_seconds() - mark.cpu;
    schedstat(&run, &wait);
    server_schedstat(&server_run, &server_wait);
    printf("mode=%s sent=%llu received=%llu lost=%llu late=%llu wrong=%llu errors=%llu elapsed=%.3f qps=%.0f "
           "p50_us=%.0f p90_us=%.0f p99_us=%.0f p999_us=%.0f cpu=%.3f busy=%.3f server_cpu_s=%.4f server_busy=%.3f\n",
           mode, (unsigned long long)stats.sent, (unsigned long long)stats.received, (unsigned long long)stats.lost,
           (unsigned long long)stats.late, (unsigned long long)stats.wrong, (unsigned long long)stats.errors, elapsed, stats.received / elapsed,
           percentile(0.5), percentile(0.9), percentile(0.99), percentile(0.999), cpu / elapsed,
           (double)((run - mark.run) + (wait - mark.wait)) / 1e9 / elapsed, (double)(server_run - mark.server_run) / 1e9,
           (double)((server_run - mark.server_run) + (server_wait - mark.server_wait)) / 1e9 / elapsed);
    return 0;
}
