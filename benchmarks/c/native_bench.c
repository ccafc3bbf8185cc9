/* native_bench: the C reference of benchmarks/native.py.
 *
 * Runs on a descriptor it inherits (a socketpair(AF_UNIX, SOCK_SEQPACKET):
 * message boundaries kept, and Linux ignores the SOL_SCTP cmsgs the Python
 * contenders attach), so the library's own per-message cost is measured on
 * the host kernel, where a system call costs microseconds, not the sandbox's
 * tens of microseconds.
 *
 *   native_bench FD send|recv|ping|pong plain|mmsg COUNT SIZE
 *
 * It prints "READY", waits for a line on stdin, does its part, and prints
 * "RESULT <cpu_us> <wall_us>": the CPU time (user + system, getrusage) and
 * the wall time of the measured part alone.
 *
 * send/recv: COUNT messages of SIZE bytes one way; the receiver checks that
 * each has SIZE bytes.  ping/pong: COUNT round trips of SIZE bytes.
 * mmsg: sendmmsg/recvmmsg in batches of BATCH (recvmmsg with MSG_WAITFORONE).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXSIZE 65536

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static double cpu_us(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) < 0)
        die("getrusage");
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static double wall_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        die("clock_gettime");
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

enum way { SEND, RECV };

/* One whole message of SIZE bytes, sent from or received into BUF; retried
 * on EINTR; anything else (an error, a short message) ends the program. */
static void one_message(int fd, char *buf, size_t size, enum way way)
{
    for (;;) {
        ssize_t n = way == RECV ? recv(fd, buf, MAXSIZE, 0) : send(fd, buf, size, 0);
        if (n == (ssize_t)size)
            return;
        if (n < 0 && errno == EINTR)
            continue;
        if (n >= 0 && way == RECV) {
            fprintf(stderr, "recv: %zd bytes, expected %zu\n", n, size);
            exit(2);
        }
        die(way == RECV ? "recv" : "send");
    }
}

static void send_many(int fd, char *buf, size_t size, long count)
{
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = buf;
        iov[i].iov_len = size;
        memset(&msgs[i], 0, sizeof msgs[i]);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (count > 0) {
        int want = count < BATCH ? (int)count : BATCH;
        int n = sendmmsg(fd, msgs, want, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("sendmmsg");
        }
        count -= n;
    }
}

static void recv_many(int fd, size_t size, long count)
{
    static char bufs[BATCH][MAXSIZE];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    while (count > 0) {
        int want = count < BATCH ? (int)count : BATCH;
        for (int i = 0; i < want; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = MAXSIZE;
            memset(&msgs[i], 0, sizeof msgs[i]);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, msgs, want, MSG_WAITFORONE, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("recvmmsg");
        }
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_len != size) {
                fprintf(stderr, "recvmmsg: %u bytes, expected %zu\n", msgs[i].msg_len, size);
                exit(2);
            }
        }
        count -= n;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: native_bench FD send|recv|ping|pong plain|mmsg COUNT SIZE\n");
        return 2;
    }
    int fd = atoi(argv[1]);
    const char *role = argv[2];
    int mmsg = strcmp(argv[3], "mmsg") == 0;
    long count = atol(argv[4]);
    size_t size = (size_t)atol(argv[5]);
    if (count <= 0 || size == 0 || size > MAXSIZE) {
        fprintf(stderr, "native_bench: bad count or size\n");
        return 2;
    }
    static char buf[MAXSIZE];
    memset(buf, 'x', sizeof buf);

    printf("READY\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
        return 2;

    double c0 = cpu_us(), w0 = wall_us();
    if (strcmp(role, "send") == 0) {
        if (mmsg)
            send_many(fd, buf, size, count);
        else
            for (long i = 0; i < count; i++)
                one_message(fd, buf, size, SEND);
    } else if (strcmp(role, "recv") == 0) {
        if (mmsg)
            recv_many(fd, size, count);
        else
            for (long i = 0; i < count; i++)
                one_message(fd, buf, size, RECV);
    } else if (strcmp(role, "ping") == 0) {
        for (long i = 0; i < count; i++) {
            one_message(fd, buf, size, SEND);
            one_message(fd, buf, size, RECV);
        }
    } else if (strcmp(role, "pong") == 0) {
        for (long i = 0; i < count; i++) {
            one_message(fd, buf, size, RECV);
            one_message(fd, buf, size, SEND);
        }
    } else {
        fprintf(stderr, "native_bench: unknown role %s\n", role);
        return 2;
    }
    double c1 = cpu_us(), w1 = wall_us();
    printf("RESULT %.0f %.0f\n", c1 - c0, w1 - w0);
    fflush(stdout);
    return 0;
}
