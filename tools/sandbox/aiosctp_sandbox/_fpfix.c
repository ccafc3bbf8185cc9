/*
 * _fpfix.c - let Debian's user-mode-linux boot on hosts with a large XSAVE area
 * (AVX-512, AMX).
 *
 * UML saves and restores each guest task's FPU state with
 *     ptrace(PTRACE_GETREGSET / PTRACE_SETREGSET, pid, NT_X86_XSTATE, &iov)
 * using a fixed buffer (sizeof(struct _xstate) = 832 bytes in UML 6.1 as
 * written; Debian's 6.1.176 build was seen passing 2696 bytes).  A
 * short read succeeds (truncated), but the host kernel refuses a *write*
 * whose iov_len is not the full XSAVE size (EFAULT), and the guest panics at
 * init with "ptrace set fp regs failed, errno = 14".
 *
 * Built as a shared object and LD_PRELOADed into the linux.uml process only,
 * this file wraps glibc's ptrace(): on PTRACE_SETREGSET with NT_X86_XSTATE and
 * an iov_len shorter than the host's XSAVE size, it reads the task's full
 * XSAVE area with PTRACE_GETREGSET into a static buffer (the kernel reports the
 * real size in iov_len), copies the caller's bytes over its start and writes
 * the full size.  Every other call passes straight through, so on hosts without
 * the problem it changes nothing.
 *
 * Constraints: UML runs this code on its own small kernel stacks and redirects
 * malloc() for its own code, so: no malloc, no large stack buffers.  The
 * buffers are static; a handful of slots claimed atomically make the wrapper
 * safe even if a call were ever re-entered from a signal handler or another
 * host thread (should every slot be busy, the call passes through unchanged).
 *
 * Diagnostics (read once, in the constructor, never inside the wrapper):
 *   AIOSCTP_FPFIX_MARKER=<file>  append "loaded", and once each "merged" /
 *                                "passthrough" the first time an
 *                                NT_X86_XSTATE write is merged / forwarded;
 *   AIOSCTP_FPFIX_ALWAYS=1       merge even when the caller's buffer is
 *                                already full size or larger (copying only
 *                                the host's size), to exercise the merge
 *                                path on hosts that do not need it.
 *
 * Compiled with -DFPFIX_PROBE the same file is instead a tiny executable that
 * prints the host's XSAVE size (CPUID leaf 0xD, sub-leaf 0, EBX: the size
 * needed for the features enabled in XCR0).
 */
#define _GNU_SOURCE

#ifdef FPFIX_PROBE

#include <cpuid.h>
#include <stdio.h>

int main(void)
{
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;

    if (__get_cpuid_max(0, 0) < 0xD) {
        puts("0");
        return 0;
    }
    __cpuid_count(0xD, 0, eax, ebx, ecx, edx);
    (void)eax;
    (void)ecx;
    (void)edx;
    printf("%u\n", ebx);
    return 0;
}

#else /* the LD_PRELOAD wrapper */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

/* Larger than any XSAVE area an x86 CPU has (AMX: about 11 KiB). */
#define FPFIX_BUF_SIZE (64 * 1024)
#define FPFIX_SLOTS 4

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

static unsigned char fpfix_buf[FPFIX_SLOTS][FPFIX_BUF_SIZE] __attribute__((aligned(64)));
static int fpfix_busy[FPFIX_SLOTS];
static ptrace_fn real_ptrace;
static int marker_fd = -1;
static int always_merge;
static int said_merged;
static int said_passthrough;

static void marker(const char *line, int *said)
{
    if (marker_fd < 0)
        return;
    if (said != NULL && __atomic_exchange_n(said, 1, __ATOMIC_RELAXED))
        return;
    ssize_t n = write(marker_fd, line, strlen(line));
    (void)n;
}

static ptrace_fn get_real_ptrace(void)
{
    ptrace_fn fn = __atomic_load_n(&real_ptrace, __ATOMIC_ACQUIRE);
    if (fn == NULL) {
        fn = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
        __atomic_store_n(&real_ptrace, fn, __ATOMIC_RELEASE);
    }
    return fn;
}

__attribute__((constructor)) static void fpfix_init(void)
{
    const char *path = getenv("AIOSCTP_FPFIX_MARKER");
    const char *always = getenv("AIOSCTP_FPFIX_ALWAYS");

    always_merge = always != NULL && always[0] == '1';
    if (path != NULL && path[0] != '\0')
        marker_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    (void)get_real_ptrace();
    marker("loaded\n", NULL);
}

/* Write the caller's (short) XSAVE image merged into the task's full one.
 * Returns 1 and sets *result if it handled the call, 0 to pass it through. */
static int merge_xstate(ptrace_fn fn, pid_t pid, const struct iovec *iov, long *result)
{
    int slot;

    for (slot = 0; slot < FPFIX_SLOTS; slot++)
        if (!__atomic_exchange_n(&fpfix_busy[slot], 1, __ATOMIC_ACQUIRE))
            break;
    if (slot == FPFIX_SLOTS)
        return 0;

    unsigned char *buf = fpfix_buf[slot];
    struct iovec full = { buf, FPFIX_BUF_SIZE };
    int handled = 0;

    if (fn(PTRACE_GETREGSET, pid, (void *)(long)NT_X86_XSTATE, &full) == 0 &&
        full.iov_len <= FPFIX_BUF_SIZE && (iov->iov_len < full.iov_len || always_merge)) {
        size_t n = iov->iov_len < full.iov_len ? iov->iov_len : full.iov_len;
        memcpy(buf, iov->iov_base, n);
        *result = fn(PTRACE_SETREGSET, pid, (void *)(long)NT_X86_XSTATE, &full);
        handled = 1;
    }
    __atomic_store_n(&fpfix_busy[slot], 0, __ATOMIC_RELEASE);
    return handled;
}

long ptrace(enum __ptrace_request request, ...)
{
    va_list ap;
    pid_t pid;
    void *addr;
    void *data;
    ptrace_fn fn = get_real_ptrace();

    /* glibc's own ptrace() reads these three unconditionally, too. */
    va_start(ap, request);
    pid = va_arg(ap, pid_t);
    addr = va_arg(ap, void *);
    data = va_arg(ap, void *);
    va_end(ap);

    if (fn == NULL) {
        errno = ENOSYS;
        return -1;
    }
    if (request == PTRACE_SETREGSET && (long)addr == NT_X86_XSTATE && data != NULL) {
        long result = -1;
        if (merge_xstate(fn, pid, (const struct iovec *)data, &result)) {
            marker("merged\n", &said_merged);
            return result;
        }
        marker("passthrough\n", &said_passthrough);
    }
    return fn(request, pid, addr, data);
}

#endif /* FPFIX_PROBE */
