/* sctp_bench: the C reference of the aiosctp benchmarks (benchmarks/run.py).
 *
 * The same work as the Python contenders (benchmarks/worker.py), with plain
 * blocking system calls over kernel SCTP (or TCP, for reference):
 *
 *   sctp_bench server|client pingpong|stream|many|setup [options]
 *
 *   pingpong  the client sends a --size message, the server echoes it back;
 *             --count round trips after --warmup (or --duration seconds).
 *   stream    the client sends --count messages (seq numbers, round-robin
 *             over --streams streams, PPID 1) then an END marker on every
 *             stream; the server checks count and per-stream order and
 *             reports messages/s between the first and the last message.
 *   many      the server is ONE one-to-many socket; the client opens --assocs
 *             one-to-one associations, says "UP", waits for a line on stdin,
 *             sends --per-assoc messages on each, waits for a line, closes.
 *   setup     the client connects and closes --count associations; the
 *             server accepts each and reads until end of file.
 *
 * Options: --proto sctp|tcp  --host H --port P  --size N --count N
 *   --warmup N --duration S --streams N  --nodelay 0|1
 *   --recv recvmsg|recvmmsg  (receiver: recvmmsg with MSG_WAITFORONE)
 *   --send sendmsg|sendmmsg  --batch N (messages per sendmmsg/recvmmsg)
 *   --rcvbuf N --sndbuf N (SO_*BUFFORCE when root, so rmem_max is no cap;
 *             set before the association, so --rcvbuf also sets the rwnd)
 *   --rcvbuf-accepted N (SO_RCVBUF of the accepted socket, after setup:
 *             queue room without changing the advertised window)
 *   --pmtu N (receiver: SCTP_PEER_ADDR_PARAMS, PMTU discovery off, path
 *             MTU N on the association; loopback's is 65536)
 *   --rto-min MS (sender: SCTP_RTOINFO minimum RTO, default kernel's)
 *   --rcvinfo 0|1 (SCTP_RECVRCVINFO on the receiver, default 1)
 *   --status-every N (sender: print SCTP_STATUS rwnd/unack/pending every N)
 *   --assocs N --per-assoc N
 *
 * Output (stdout, one line each): "READY <port>" (server, once listening),
 * "UP" (many), "RESULT {json}".  The measured phase of every role is
 * bracketed by access("/__bench_mark_begin__") and
 * access("/__bench_mark_end__") so that an strace log can be cut to it.
 *
 * Wire format of a data message: u32 seq (big endian), then filler to
 * --size.  END marker: u32 0xFFFFFFFF, u32 total.  TCP frames each message
 * with a u32 big-endian length.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sctp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_SCTP
#define SOL_SCTP IPPROTO_SCTP
#endif

#define END_SEQ 0xFFFFFFFFu
#define MAX_BATCH 1024
#define MAX_STREAMS 64

static struct {
    const char *role, *scenario, *proto, *host, *recv_mode, *send_mode;
    int port, size, count, warmup, streams, nodelay, batch, rcvbuf, sndbuf;
    int rcvinfo, status_every, assocs, per_assoc, rcvbuf_accepted, pmtu;
    int rto_min;
    double duration;
} o = {
    .proto = "sctp", .host = "127.0.0.1", .recv_mode = "recvmsg",
    .send_mode = "sendmsg", .size = 64, .count = 10000, .warmup = 100,
    .streams = 4, .nodelay = 1, .batch = 16, .rcvinfo = 1, .assocs = 100,
    .per_assoc = 10, .duration = 60,
};

static int is_tcp;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
    fprintf(stderr, "sctp_bench: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void
mark(const char *which)
{
    char path[64];
    snprintf(path, sizeof(path), "/__bench_mark_%s__", which);
    (void)access(path, F_OK);
}

static long
rss_kib(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void
set_int(int fd, int level, int opt, int val, const char *name)
{
    if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0)
        die(name);
}

static void
set_bufs(int fd)
{
    if (o.rcvbuf > 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf, sizeof(int)) < 0)
        set_int(fd, SOL_SOCKET, SO_RCVBUF, o.rcvbuf, "SO_RCVBUF");
    if (o.sndbuf > 0 &&
        setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o.sndbuf, sizeof(int)) < 0)
        set_int(fd, SOL_SOCKET, SO_SNDBUF, o.sndbuf, "SO_SNDBUF");
}

/* After the association is up: queue room (SO_RCVBUF), path MTU. */
static void
tune_accepted(int fd)
{
    if (o.rcvbuf_accepted > 0 &&
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o.rcvbuf_accepted,
                   sizeof(int)) < 0)
        set_int(fd, SOL_SOCKET, SO_RCVBUF, o.rcvbuf_accepted, "SO_RCVBUF");
    if (o.pmtu > 0 && !is_tcp) {
        struct sctp_paddrparams pp;
        memset(&pp, 0, sizeof(pp));
        pp.spp_flags = SPP_PMTUD_DISABLE;
        pp.spp_pathmtu = (uint32_t)o.pmtu;
        if (setsockopt(fd, SOL_SCTP, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp)) < 0)
            die("SCTP_PEER_ADDR_PARAMS");
    }
}

static void
set_nodelay(int fd)
{
    if (!o.nodelay)
        return;
    if (is_tcp)
        set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    else
        set_int(fd, SOL_SCTP, SCTP_NODELAY, 1, "SCTP_NODELAY");
}

static int
new_socket(int type)
{
    int fd = socket(AF_INET, type, is_tcp ? IPPROTO_TCP : IPPROTO_SCTP);
    if (fd < 0)
        die("socket");
    /* the kernel's default of 10 streams each way, as the Python contenders */
    if (type != SOCK_STREAM || o.role[0] == 's')
        set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
    return fd;
}

static struct sockaddr_in
server_addr(void)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o.port);
    if (inet_pton(AF_INET, o.host, &sa.sin_addr) != 1) {
        fprintf(stderr, "sctp_bench: bad host %s\n", o.host);
        exit(2);
    }
    return sa;
}

static int
listen_socket(int type)
{
    struct sockaddr_in sa = server_addr();
    socklen_t len = sizeof(sa);
    int fd = new_socket(type);
    sa.sin_port = 0;
    set_bufs(fd);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("bind");
    if (listen(fd, 4096) < 0)
        die("listen");
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        die("getsockname");
    printf("READY %d\n", ntohs(sa.sin_port));
    fflush(stdout);
    return fd;
}

static int
connect_socket(void)
{
    struct sockaddr_in sa = server_addr();
    int fd = new_socket(SOCK_STREAM);
    set_bufs(fd);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        die("connect");
    set_nodelay(fd);
    if (o.rto_min > 0 && !is_tcp) {
        struct sctp_rtoinfo ri;
        socklen_t l = sizeof(ri);
        memset(&ri, 0, sizeof(ri));
        if (getsockopt(fd, SOL_SCTP, SCTP_RTOINFO, &ri, &l) < 0)
            die("SCTP_RTOINFO");
        ri.srto_min = (uint32_t)o.rto_min;
        ri.srto_initial = ri.srto_initial < ri.srto_min ? ri.srto_min : ri.srto_initial;
        if (setsockopt(fd, SOL_SCTP, SCTP_RTOINFO, &ri, sizeof(ri)) < 0)
            die("SCTP_RTOINFO");
    }
    return fd;
}

/* ---- one message out / in --------------------------------------------- */

typedef union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct sctp_sndinfo))];
} sndcmsg_t;

typedef union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
             CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
} rcvcmsg_t;

/* Prepare msg for an SCTP send on `stream` with PPID 1 (SCTP_SNDINFO). */
static void
prep_send(struct msghdr *msg, struct iovec *iov, sndcmsg_t *cb, void *data,
          size_t len, int stream)
{
    struct cmsghdr *c;
    struct sctp_sndinfo si;

    memset(msg, 0, sizeof(*msg));
    iov->iov_base = data;
    iov->iov_len = len;
    msg->msg_iov = iov;
    msg->msg_iovlen = 1;
    if (is_tcp)
        return;
    memset(&si, 0, sizeof(si));
    si.snd_sid = (uint16_t)stream;
    si.snd_ppid = htonl(1);
    msg->msg_control = cb->buf;
    msg->msg_controllen = sizeof(cb->buf);
    c = CMSG_FIRSTHDR(msg);
    c->cmsg_level = IPPROTO_SCTP;
    c->cmsg_type = SCTP_SNDINFO;
    c->cmsg_len = CMSG_LEN(sizeof(si));
    memcpy(CMSG_DATA(c), &si, sizeof(si));
}

static void
send_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("send");
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Send one message: SCTP with SNDINFO, TCP framed (one writev-like send). */
static void
send_msg(int fd, char *buf, size_t len, int stream)
{
    if (is_tcp) {
        /* buf has 4 bytes of room before it for the frame header */
        uint32_t l = htonl((uint32_t)len);
        memcpy(buf - 4, &l, 4);
        send_all(fd, buf - 4, len + 4);
        return;
    }
    struct msghdr msg;
    struct iovec iov;
    sndcmsg_t cb;
    prep_send(&msg, &iov, &cb, buf, len, stream);
    for (;;) {
        if (sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0)
            return;
        if (errno != EINTR)
            die("sendmsg");
    }
}

/* TCP receive side: a buffered framed reader. */
static struct {
    char *buf;
    size_t cap, start, end;
} rb;

static int
tcp_fill(int fd)
{
    ssize_t n;
    if (rb.start > 0 && rb.start == rb.end)
        rb.start = rb.end = 0;
    if (rb.end == rb.cap) {
        memmove(rb.buf, rb.buf + rb.start, rb.end - rb.start);
        rb.end -= rb.start;
        rb.start = 0;
    }
    do
        n = recv(fd, rb.buf + rb.end, rb.cap - rb.end, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        die("recv");
    rb.end += (size_t)n;
    return (int)n;
}

/* Receive one message into *out (pointer into a buffer); returns its
 * length, 0 at end of file.  *stream gets the SCTP stream (or -1). */
static ssize_t
recv_msg(int fd, char *buf, size_t cap, char **out, int *stream)
{
    if (is_tcp) {
        uint32_t l;
        *stream = -1;
        while (rb.end - rb.start < 4)
            if (tcp_fill(fd) == 0)
                return 0;
        memcpy(&l, rb.buf + rb.start, 4);
        l = ntohl(l);
        while (rb.end - rb.start < 4 + l)
            if (tcp_fill(fd) == 0)
                return 0;
        *out = rb.buf + rb.start + 4;
        rb.start += 4 + l;
        return (ssize_t)l;
    }
    struct msghdr msg;
    struct iovec iov;
    rcvcmsg_t cb;
    struct cmsghdr *c;
    ssize_t n;
    size_t have = 0;
    *out = buf;
    *stream = -1;
    for (;;) {
        memset(&msg, 0, sizeof(msg));
        iov.iov_base = buf + have;
        iov.iov_len = cap - have;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cb.buf;
        msg.msg_controllen = sizeof(cb.buf);
        do
            n = recvmsg(fd, &msg, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            die("recvmsg");
        for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
            if (c->cmsg_level == IPPROTO_SCTP && c->cmsg_type == SCTP_RCVINFO) {
                struct sctp_rcvinfo ri;
                memcpy(&ri, CMSG_DATA(c), sizeof(ri));
                *stream = ri.rcv_sid;
            }
        if (msg.msg_flags & MSG_NOTIFICATION)
            continue;
        have += (size_t)n;
        /* a message larger than one read (partial delivery) continues
         * until MSG_EOR; end of file is 0 bytes without MSG_EOR */
        if ((msg.msg_flags & MSG_EOR) || n == 0 || have >= cap)
            return (ssize_t)have;
    }
}

static void
result(const char *json_fmt, ...)
{
    va_list ap;
    printf("RESULT ");
    va_start(ap, json_fmt);
    vprintf(json_fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

/* The one peer of a pingpong or stream run: accepted, tuned, and asked
 * for SCTP_RCVINFO when the run measures with it. */
static int
accept_peer(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        die("accept");
    tune_accepted(fd);
    if (!is_tcp && o.rcvinfo)
        set_int(fd, SOL_SCTP, SCTP_RECVRCVINFO, 1, "SCTP_RECVRCVINFO");
    return fd;
}

/* ---- pingpong --------------------------------------------------------- */

static void
pingpong_server(void)
{
    int lfd = listen_socket(SOCK_STREAM), fd, stream;
    char *buf = malloc(65536 + 4), *in;
    long echoed = 0;
    ssize_t n;
    rb.cap = 1 << 20;
    rb.buf = malloc(rb.cap);
    fd = accept_peer(lfd);
    set_nodelay(fd);
    mark("begin");
    while ((n = recv_msg(fd, buf + 4, 65536, &in, &stream)) > 0) {
        memmove(buf + 4, in, (size_t)n);
        send_msg(fd, buf + 4, (size_t)n, stream < 0 ? 0 : stream);
        echoed++;
    }
    mark("end");
    result("{\"role\": \"server\", \"msgs\": %ld}", echoed);
    close(fd);
    close(lfd);
}

static void
pingpong_client(void)
{
    int fd = connect_socket(), stream, i, total = o.warmup + o.count;
    int done = 0, errors = 0;
    char *buf = calloc(1, (size_t)o.size + 4), *rbuf = malloc(65536), *in;
    double t0 = 0, t1, deadline = 0;
    rb.cap = 1 << 20;
    rb.buf = malloc(rb.cap);
    if (!is_tcp && o.rcvinfo)
        set_int(fd, SOL_SCTP, SCTP_RECVRCVINFO, 1, "SCTP_RECVRCVINFO");
    for (i = 0; i < total; i++) {
        uint32_t seq = htonl((uint32_t)i), got;
        ssize_t n;
        if (i == o.warmup) {
            mark("begin");
            t0 = now();
            deadline = t0 + o.duration;
        }
        memcpy(buf + 4, &seq, 4);
        send_msg(fd, buf + 4, (size_t)o.size, 0);
        n = recv_msg(fd, rbuf, 65536, &in, &stream);
        if (n != o.size)
            errors++;
        memcpy(&got, in, 4);
        if (got != seq)
            errors++;
        if (i >= o.warmup) {
            done++;
            if ((done & 63) == 0 && now() > deadline)
                break;
        }
    }
    t1 = now();
    mark("end");
    result("{\"role\": \"client\", \"msgs\": %d, \"elapsed\": %.6f, "
           "\"rate\": %.1f, \"errors\": %d}",
           done, t1 - t0, done / (t1 - t0), errors);
    close(fd);
}

/* ---- stream ------------------------------------------------------------- */

static void
print_status(int fd, long sent)
{
    struct sctp_status st;
    socklen_t len = sizeof(st);
    memset(&st, 0, sizeof(st));
    if (getsockopt(fd, SOL_SCTP, SCTP_STATUS, &st, &len) < 0)
        return;
    fprintf(stderr, "STATUS sent=%ld rwnd=%u unackdata=%u penddata=%u "
            "cwnd=%u t=%.3f\n", sent, st.sstat_rwnd, st.sstat_unackdata,
            st.sstat_penddata, st.sstat_primary.spinfo_cwnd, now());
}

static void
stream_client(void)
{
    int fd = connect_socket(), s;
    int batch = o.batch < 1 ? 1 : (o.batch > MAX_BATCH ? MAX_BATCH : o.batch);
    int use_mmsg = strcmp(o.send_mode, "sendmmsg") == 0 && !is_tcp;
    size_t slot = (size_t)o.size + 8;
    char *bufs = calloc((size_t)batch, slot);
    struct mmsghdr *mm = calloc((size_t)batch, sizeof(*mm));
    struct iovec *iov = calloc((size_t)batch, sizeof(*iov));
    sndcmsg_t *cb = calloc((size_t)batch, sizeof(*cb));
    long sent = 0, calls = 0, i;
    double t0, deadline;

    mark("begin");
    t0 = now();
    deadline = t0 + o.duration;
    while (sent < o.count) {
        int k = use_mmsg ? batch : 1, j, r;
        if (sent + k > o.count)
            k = (int)(o.count - sent);
        for (j = 0; j < k; j++) {
            char *b = bufs + (size_t)j * slot + 4;
            uint32_t seq = htonl((uint32_t)(sent + j));
            memcpy(b, &seq, 4);
            if (!use_mmsg) {
                send_msg(fd, b, (size_t)o.size, (int)((sent + j) % o.streams));
                continue;
            }
            prep_send(&mm[j].msg_hdr, &iov[j], &cb[j], b, (size_t)o.size,
                      (int)((sent + j) % o.streams));
        }
        if (use_mmsg) {
            int off = 0;
            while (off < k) {
                r = sendmmsg(fd, mm + off, (unsigned)(k - off), MSG_NOSIGNAL);
                if (r < 0) {
                    if (errno == EINTR)
                        continue;
                    die("sendmmsg");
                }
                calls++;
                off += r;
            }
        }
        else
            calls += k;
        sent += k;
        if (o.status_every > 0 && !is_tcp &&
            sent / o.status_every != (sent - k) / o.status_every)
            print_status(fd, sent);
        if ((sent & 255) < (long)k && now() > deadline)
            break;
    }
    for (s = 0; s < o.streams; s++) {
        char *b = bufs + 4;
        uint32_t w[2] = {htonl(END_SEQ), htonl((uint32_t)sent)};
        memcpy(b, w, 8);
        send_msg(fd, b, 8, s);
        if (is_tcp)
            break;
    }
    mark("end");
    {
        double t1 = now();
        result("{\"role\": \"client\", \"msgs\": %ld, \"calls\": %ld, "
               "\"elapsed\": %.6f, \"rate\": %.1f, \"t0\": %.6f}",
               sent, calls, t1 - t0, sent / (t1 - t0), t0);
    }
    if (o.status_every > 0 && !is_tcp)
        print_status(fd, sent);
    /* Wait for the peer to close: close() here would be graceful anyway,
     * but waiting keeps the sender alive for strace and status. */
    {
        char tmp[64];
        shutdown(fd, SHUT_WR);
        while (recv(fd, tmp, sizeof(tmp), 0) > 0)
            ;
    }
    close(fd);
    (void)i;
}

struct checker {
    long received, bytes, errors, total;
    uint32_t next[MAX_STREAMS];
    int ends;
    double t_first, t_last;
};

/* Check one received message; returns 1 when every END was seen. */
static int
check_msg(struct checker *ck, const char *p, ssize_t n, int stream)
{
    uint32_t seq;
    int s;
    if (n < 4) {
        ck->errors++;
        return 0;
    }
    memcpy(&seq, p, 4);
    seq = ntohl(seq);
    if (seq == END_SEQ && n == 8) {
        uint32_t tot;
        memcpy(&tot, p + 4, 4);
        ck->total = ntohl(tot);
        ck->ends++;
        if (ck->ends >= (is_tcp ? 1 : o.streams)) {
            /* time is read only at the first message and at the end: in
             * the UML guest clock_gettime is a real system call */
            ck->t_last = now();
            return 1;
        }
        return 0;
    }
    if (ck->received == 0)
        ck->t_first = now();
    ck->received++;
    ck->bytes += n;
    if (n != o.size)
        ck->errors++;
    s = is_tcp ? 0 : (int)(seq % (uint32_t)o.streams);
    if (!is_tcp && o.rcvinfo && stream != s)
        ck->errors++;
    if (seq != ck->next[s])
        ck->errors++;
    ck->next[s] = seq + (is_tcp ? 1 : (uint32_t)o.streams);
    return 0;
}

static void
stream_server(void)
{
    int lfd = listen_socket(SOCK_STREAM), fd, s;
    int batch = o.batch < 1 ? 1 : (o.batch > MAX_BATCH ? MAX_BATCH : o.batch);
    int use_mmsg = strcmp(o.recv_mode, "recvmmsg") == 0 && !is_tcp;
    struct checker ck;
    char *bufs = malloc((size_t)batch * 65536);
    struct mmsghdr *mm = calloc((size_t)batch, sizeof(*mm));
    struct iovec *iov = calloc((size_t)batch, sizeof(*iov));
    rcvcmsg_t *cb = calloc((size_t)batch, sizeof(*cb));
    long calls = 0, partial = 0;
    int finished = 0;
    char *asm_buf = malloc(1 << 20);
    size_t asm_len = 0;

    memset(&ck, 0, sizeof(ck));
    for (s = 0; s < MAX_STREAMS; s++)
        ck.next[s] = (uint32_t)s;
    if (is_tcp)
        ck.next[0] = 0;
    rb.cap = 1 << 20;
    rb.buf = malloc(rb.cap);
    fd = accept_peer(lfd);
    mark("begin");
    while (!finished) {
        if (!use_mmsg) {
            char *in;
            int stream;
            ssize_t n = recv_msg(fd, bufs, 65536, &in, &stream);
            calls++;
            if (n == 0)
                break;
            finished = check_msg(&ck, in, n, stream);
            continue;
        }
        int j, r;
        for (j = 0; j < batch; j++) {
            memset(&mm[j].msg_hdr, 0, sizeof(mm[j].msg_hdr));
            iov[j].iov_base = bufs + (size_t)j * 65536;
            iov[j].iov_len = 65536;
            mm[j].msg_hdr.msg_iov = &iov[j];
            mm[j].msg_hdr.msg_iovlen = 1;
            mm[j].msg_hdr.msg_control = cb[j].buf;
            mm[j].msg_hdr.msg_controllen = sizeof(cb[j].buf);
        }
        r = recvmmsg(fd, mm, (unsigned)batch, MSG_WAITFORONE, NULL);
        calls++;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("recvmmsg");
        }
        if (r == 0)
            break;
        for (j = 0; j < r && !finished; j++) {
            struct cmsghdr *c;
            int stream = -1;
            if (mm[j].msg_len == 0 && !(mm[j].msg_hdr.msg_flags & MSG_EOR)) {
                finished = 1; /* end of file */
                break;
            }
            for (c = CMSG_FIRSTHDR(&mm[j].msg_hdr); c;
                 c = CMSG_NXTHDR(&mm[j].msg_hdr, c))
                if (c->cmsg_level == IPPROTO_SCTP &&
                    c->cmsg_type == SCTP_RCVINFO) {
                    struct sctp_rcvinfo ri;
                    memcpy(&ri, CMSG_DATA(c), sizeof(ri));
                    stream = ri.rcv_sid;
                }
            if (mm[j].msg_hdr.msg_flags & MSG_NOTIFICATION)
                continue;
            if (!(mm[j].msg_hdr.msg_flags & MSG_EOR) || asm_len) {
                /* part of a message (partial delivery): reassemble */
                memcpy(asm_buf + asm_len, iov[j].iov_base, mm[j].msg_len);
                asm_len += mm[j].msg_len;
                partial++;
                if (!(mm[j].msg_hdr.msg_flags & MSG_EOR))
                    continue;
                finished = check_msg(&ck, asm_buf, (ssize_t)asm_len, stream);
                asm_len = 0;
                continue;
            }
            finished = check_msg(&ck, iov[j].iov_base, mm[j].msg_len, stream);
        }
    }
    mark("end");
    if (ck.total != ck.received)
        ck.errors++;
    {
        double el = ck.t_last - ck.t_first;
        double rate = (el > 0 && ck.received > 1) ? (ck.received - 1) / el : 0;
        result("{\"role\": \"server\", \"msgs\": %ld, \"bytes\": %ld, "
               "\"calls\": %ld, \"elapsed\": %.6f, \"rate\": %.1f, "
               "\"mbps\": %.3f, \"errors\": %ld, \"expected\": %ld, "
               "\"partial_reads\": %ld, \"t_end\": %.6f}",
               ck.received, ck.bytes, calls, el, rate,
               el > 0 ? ck.bytes / el / 1e6 : 0.0, ck.errors, ck.total, partial,
               ck.t_last);
    }
    close(fd);
    close(lfd);
}

/* ---- many associations on one one-to-many socket ------------------------ */

static void
wait_line(void)
{
    char line[64];
    if (!fgets(line, sizeof(line), stdin))
        exit(0);
}

static void
many_server(void)
{
    int fd = listen_socket(SOCK_SEQPACKET), up = 0;
    struct sctp_event ev;
    char *buf = malloc(65536);
    long msgs = 0, want = (long)o.assocs * o.per_assoc, errors = 0;
    double t_first = 0, t_last = 0;
    long rss0 = rss_kib();

    memset(&ev, 0, sizeof(ev));
    ev.se_type = SCTP_ASSOC_CHANGE;
    ev.se_on = 1;
    if (setsockopt(fd, SOL_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0)
        die("SCTP_EVENT");
    while (msgs < want) {
        struct msghdr msg;
        struct iovec iov = {buf, 65536};
        ssize_t n;
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        n = recvmsg(fd, &msg, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("recvmsg");
        }
        if (msg.msg_flags & MSG_NOTIFICATION) {
            struct sctp_assoc_change ac;
            if ((size_t)n >= sizeof(ac)) {
                memcpy(&ac, buf, sizeof(ac));
                if (ac.sac_type == SCTP_ASSOC_CHANGE &&
                    ac.sac_state == SCTP_COMM_UP && ++up == o.assocs) {
                    printf("UP {\"rss_bytes\": %ld, \"assocs\": %d}\n",
                           (rss_kib() - rss0) * 1024, up);
                    fflush(stdout);
                    mark("begin");
                }
            }
            continue;
        }
        if (msgs == 0)
            t_first = now();
        if (n != o.size)
            errors++;
        msgs++;
    }
    t_last = now();
    mark("end");
    result("{\"role\": \"server\", \"msgs\": %ld, \"assocs\": %d, "
           "\"elapsed\": %.6f, \"rate\": %.1f, \"errors\": %ld, "
           "\"t_end\": %.6f}",
           msgs, up, t_last - t_first,
           t_last > t_first ? (msgs - 1) / (t_last - t_first) : 0.0, errors, t_last);
    close(fd);
}

static void
raise_nofile(int need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)need) {
        rl.rlim_cur = (rlim_t)need;
        if (rl.rlim_max < (rlim_t)need)
            rl.rlim_max = (rlim_t)need;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            die("setrlimit(RLIMIT_NOFILE)");
    }
}

static void
many_client(void)
{
    int *fds, i, m;
    char *buf = calloc(1, (size_t)o.size + 4);
    double t0;
    raise_nofile(o.assocs + 64);
    fds = calloc((size_t)o.assocs, sizeof(int));
    t0 = now();
    for (i = 0; i < o.assocs; i++)
        fds[i] = connect_socket();
    printf("UP {\"setup_elapsed\": %.6f}\n", now() - t0);
    fflush(stdout);
    wait_line();
    t0 = now();
    for (m = 0; m < o.per_assoc; m++)
        for (i = 0; i < o.assocs; i++) {
            uint32_t seq = htonl((uint32_t)m);
            memcpy(buf + 4, &seq, 4);
            send_msg(fds[i], buf + 4, (size_t)o.size, 0);
        }
    result("{\"role\": \"client\", \"msgs\": %ld, \"t0\": %.6f}",
           (long)o.assocs * o.per_assoc, t0);
    wait_line();
    for (i = 0; i < o.assocs; i++)
        close(fds[i]);
}

/* ---- association setup and teardown ------------------------------------ */

static void
setup_server(void)
{
    int lfd = listen_socket(SOCK_STREAM);
    char buf[256];
    long n = 0;
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            die("accept");
        }
        /* read to end of file; a message (the client's END) stops us */
        for (;;) {
            ssize_t r = recv(fd, buf, sizeof(buf), 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r > 0) {
                close(fd);
                close(lfd);
                result("{\"role\": \"server\", \"msgs\": %ld}", n);
                return;
            }
            break;
        }
        close(fd);
        n++;
    }
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
setup_client(void)
{
    long i;
    double t0, t1, deadline, prev, median;
    double *cycle = calloc((size_t)o.count + 1, sizeof(double));
    mark("begin");
    t0 = prev = now();
    deadline = t0 + o.duration;
    for (i = 0; i < o.count;) {
        int fd = connect_socket();
        double t;
        close(fd);
        t = now();
        cycle[i++] = t - prev;
        prev = t;
        if (t > deadline)
            break;
    }
    t1 = now();
    qsort(cycle, (size_t)i, sizeof(double), cmp_double);
    median = i ? cycle[i / 2] : 0;
    mark("end");
    {
        /* tell the server to stop: one more association, one message */
        int fd = connect_socket();
        char *b = calloc(1, 16);
        uint32_t w[2] = {htonl(END_SEQ), htonl((uint32_t)i)};
        memcpy(b + 4, w, 8);
        send_msg(fd, b + 4, 8, 0);
        close(fd);
        free(b);
    }
    result("{\"role\": \"client\", \"msgs\": %ld, \"elapsed\": %.6f, "
           "\"rate\": %.1f, \"cycle_median\": %.9f, \"cycle_max\": %.6f}",
           i, t1 - t0, i / (t1 - t0), median, i ? cycle[i - 1] : 0.0);
    free(cycle);
}

/* ---- main -------------------------------------------------------------- */

int
main(int argc, char **argv)
{
    int i;
    if (argc < 3) {
        fprintf(stderr, "usage: sctp_bench server|client "
                        "pingpong|stream|many|setup [options]\n");
        return 2;
    }
    o.role = argv[1];
    o.scenario = argv[2];
    for (i = 3; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "sctp_bench: %s needs a value\n", k);
            return 2;
        }
        i++;
#define S(name) else if (!strcmp(k, "--" #name)) o.name = v
#define I(name) else if (!strcmp(k, "--" #name)) o.name = atoi(v)
        if (0) {}
        S(proto); S(host); I(port); I(size); I(count); I(warmup); I(streams);
        I(nodelay); I(batch); I(rcvbuf); I(sndbuf); I(rcvinfo);
        I(assocs);
        else if (!strcmp(k, "--recv")) o.recv_mode = v;
        else if (!strcmp(k, "--send")) o.send_mode = v;
        else if (!strcmp(k, "--status-every")) o.status_every = atoi(v);
        else if (!strcmp(k, "--per-assoc")) o.per_assoc = atoi(v);
        else if (!strcmp(k, "--duration")) o.duration = atof(v);
        else if (!strcmp(k, "--rcvbuf-accepted")) o.rcvbuf_accepted = atoi(v);
        else if (!strcmp(k, "--pmtu")) o.pmtu = atoi(v);
        else if (!strcmp(k, "--rto-min")) o.rto_min = atoi(v);
        else {
            fprintf(stderr, "sctp_bench: unknown option %s\n", k);
            return 2;
        }
#undef S
#undef I
    }
    is_tcp = strcmp(o.proto, "tcp") == 0;
    if (o.streams < 1 || o.streams > 10)
        o.streams = 4;
    if (is_tcp)
        o.streams = 1;
    if (o.size < 8)
        o.size = 8;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(o.scenario, "pingpong"))
        strcmp(o.role, "server") ? pingpong_client() : pingpong_server();
    else if (!strcmp(o.scenario, "stream"))
        strcmp(o.role, "server") ? stream_client() : stream_server();
    else if (!strcmp(o.scenario, "many"))
        strcmp(o.role, "server") ? many_client() : many_server();
    else if (!strcmp(o.scenario, "setup"))
        strcmp(o.role, "server") ? setup_client() : setup_server();
    else {
        fprintf(stderr, "sctp_bench: unknown scenario %s\n", o.scenario);
        return 2;
    }
    return 0;
}
