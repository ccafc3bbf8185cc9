/* aiosctp._sctp: shared declarations of the C core.
 *
 * The module is split by concern:
 *   aiosctp.c  module init (multi-phase), constants, addresses, the SCTP calls
 *              (bindx, connectx, peeloff, getpaddrs/getladdrs, assoc ids)
 *   msgio.c    sendmsg/recvmsg with SCTP ancillary data, notification decoding
 *   sockopt.c  the typed SCTP socket options
 *   fastpath.c the asyncio transport's per-message receive path (Reader,
 *              InfoBase: MessageInfo's C layout)
 *
 * Conventions shared by every function of the module:
 *   - the first argument is a file descriptor (int); the Python layer passes
 *     sock.fileno(), so a closed socket gives EBADF;
 *   - calls that may block take `timeout` (float seconds) last: < 0 blocking
 *     socket, 0 nonblocking (EAGAIN -> BlockingIOError), > 0 the socket's
 *     settimeout() value (we poll, then TimeoutError).  The timeout decides,
 *     not the descriptor's mode: 0.0 and > 0 never wait inside the system
 *     call (MSG_DONTWAIT where the call takes flags), even on a blocking fd;
 *   - every system call goes through aiosctp_call() (in the manner of
 *     socketmodule.c's sock_call_ex): the GIL is released around the system
 *     call only, EINTR is retried after PyErr_CheckSignals() (PEP 475), EAGAIN
 *     is polled for until one deadline computed before the first try.  The one
 *     exception is connectx's first call, which must not be repeated (see
 *     core_connectx);
 *   - items of a caller's sequence are held by strong references (a tuple
 *     copy, PySequence_Tuple) while they are parsed: parsing can run Python
 *     code (__index__) that empties the caller's list;
 *   - integers: int or any object with __index__, range-checked
 *     (OverflowError naming the range), never silently masked;
 *   - received control data: buffers with headroom for cmsgs we did not ask
 *     for (SO_TIMESTAMP ...), every cmsg bounds-checked, MSG_CTRUNC checked
 *     and reported, never read as "no receive info";
 *   - kernel features newer than Linux 4.18's uapi headers (what
 *     manylinux_2_28 builds against) are behind HAVE_* feature tests
 *     (setup.py probes them); a build without one raises
 *     OSError(ENOPROTOOPT) saying the build lacked it;
 *   - addresses are tuples as in the socket module: (host, port) for IPv4,
 *     (host, port, flowinfo, scope_id) for IPv6, host being a numeric string;
 *     a non-numeric host raises ValueError (the Python layer resolves names).
 */
#ifndef AIOSCTP_H
#define AIOSCTP_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/sctp.h>

/* Python 3.9 (requires-python >= 3.9) lacks these 3.10 additions; the same
 * definitions as CPython's (and pythoncapi-compat's). */
#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
aiosctp_newref(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}
#define Py_NewRef(obj) aiosctp_newref((PyObject *)(obj))

static inline int
PyModule_AddObjectRef(PyObject *module, const char *name, PyObject *value)
{
    int r;
    Py_XINCREF(value);
    r = PyModule_AddObject(module, name, value);
    if (r < 0)
        Py_XDECREF(value);
    return r;
}
#endif

/* netinet/sctp.h (libsctp) defines it; the kernel uses the protocol number. */
#ifndef SOL_SCTP
#define SOL_SCTP IPPROTO_SCTP
#endif

/* Module state: the struct sequence types of the receive information (heap
 * types, one set per interpreter). */
typedef struct {
    PyTypeObject *rcvinfo_type;
    PyTypeObject *nxtinfo_type;
} aiosctp_state;

/* op (Py_VISIT, Py_CLEAR) on every reference the state st holds: the one
 * list the module's traverse and clear both walk, kept with the struct. */
#define AIOSCTP_STATE_REFS(op, st)                                        \
    do {                                                                  \
        op((st)->rcvinfo_type);                                           \
        op((st)->nxtinfo_type);                                           \
    } while (0)

static inline aiosctp_state *
aiosctp_get_state(PyObject *module)
{
    return (aiosctp_state *)PyModule_GetState(module);
}

/* Create RcvInfo/NxtInfo into st and add them to the module (msgio.c). */
int aiosctp_msgio_init_types(PyObject *module, aiosctp_state *st);

/* Reader and InfoBase into the module (fastpath.c). */
int aiosctp_fastpath_init_types(PyObject *module);

/* recvmsgs()' (data, msg_flags, from_addr, info, nxtinfo) of one received
 * message (steals data), and the control bytes its cmsgs need (msgio.c). */
PyObject *aiosctp_recv_result(aiosctp_state *st, PyObject *data, struct msghdr *msg);
size_t aiosctp_recv_cmsg_space(void);

/* Method tables contributed by each file; added to the module in exec. */
extern PyMethodDef aiosctp_core_methods[];
extern PyMethodDef aiosctp_msgio_methods[];
extern PyMethodDef aiosctp_sockopt_methods[];
extern PyMethodDef aiosctp_fastpath_methods[];

/* An integer constant of the module: tables of them end with {NULL, 0}. */
typedef struct {
    const char *name;
    long value;
} aiosctp_int_const;
#define AIOSCTP_CONST(name) {#name, (long)(name)}

/* Constant tables contributed by each file; added to the module in exec. */
extern const aiosctp_int_const aiosctp_msgio_constants[];
extern const aiosctp_int_const aiosctp_sockopt_constants[];

/* ---- argument conversion (aiosctp.c) ---------------------------------- */

/* Converters for PyArg_Parse* ("O&"): range-checked unsigned integers.
 * Out of range -> OverflowError naming the range; not an int -> TypeError. */
int aiosctp_conv_u16(PyObject *obj, void *out);   /* uint16_t */
int aiosctp_conv_u32(PyObject *obj, void *out);   /* uint32_t */
int aiosctp_conv_i32(PyObject *obj, void *out);   /* int32_t */
int aiosctp_conv_assoc(PyObject *obj, void *out); /* sctp_assoc_t (int32) */
int aiosctp_conv_fd(PyObject *obj, void *out);    /* int >= 0, else EBADF */
/* A timeout in seconds (see the conventions above): float() of obj. */
int aiosctp_conv_timeout(PyObject *obj, void *out); /* double */

/* A METH_FASTCALL function's argument count: lo..hi, else TypeError
 * "name() takes lo [or hi] arguments (nargs given)".
 * Returns 0, or -1 with the exception set. */
int aiosctp_check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t lo,
                        Py_ssize_t hi);

/* A METH_FASTCALL entry of a PyMethodDef table. */
#define AIOSCTP_FASTCALL(name, func, doc)                                 \
    {(name), (PyCFunction)(void (*)(void))(func), METH_FASTCALL, (doc)}

/* Parse an address tuple into *ss. `family` is a hint for "" (the wildcard
 * address): AF_INET or AF_INET6; AF_UNSPEC makes "" an error.
 * Returns 0, or -1 with an exception set. */
int aiosctp_parse_sockaddr(PyObject *addr, int family,
                           struct sockaddr_storage *ss, socklen_t *len);

/* Build an address tuple from a sockaddr; unknown family -> (family, bytes). */
PyObject *aiosctp_make_sockaddr(const struct sockaddr *sa, size_t len);

/* Pack a sequence of address tuples into one malloc'ed buffer of packed
 * sockaddr_in/sockaddr_in6 (the layout bindx/connectx want).
 * On success returns the buffer (PyMem_Free it), *count and *size are set. */
char *aiosctp_pack_addrs(PyObject *addrs, int family, int *count, size_t *size);

/* Unpack `count` packed sockaddrs from buf[0:size] into a list of tuples,
 * checking each one against the buffer end. */
PyObject *aiosctp_unpack_addrs(const char *buf, size_t size, int count);

/* A list of the `count` host-order integers packed in buf, each `width`
 * bytes (1, 2: unsigned; 4: signed when `is_signed`, as sctp_assoc_t is).
 * buf needs no alignment. Returns a new list, or NULL with an exception. */
PyObject *aiosctp_int_list(const void *buf, size_t count, size_t width,
                           int is_signed);

/* ---- sent control data (msgio.c) ------------------------------------- */

#define AIOSCTP_SEND_CMSG_SPACE                                           \
    (CMSG_SPACE(sizeof(struct sctp_sndinfo)) +                            \
     CMSG_SPACE(sizeof(struct sctp_prinfo)))

/* What one sendmsg carries besides the data. */
struct aiosctp_send_args {
    uint16_t stream;
    uint16_t flags;
    uint32_t ppid;      /* host order */
    uint32_t context;
    uint32_t ttl;       /* ms, PR-SCTP; 0: none */
    sctp_assoc_t assoc_id;
    int no_sndinfo;     /* stream None: the socket's SCTP_DEFAULT_SNDINFO */
    struct sockaddr_storage to;
    socklen_t tolen;    /* 0: no destination address */
};

typedef union {
    struct cmsghdr align;
    char buf[AIOSCTP_SEND_CMSG_SPACE];
} aiosctp_send_cmsg;

/* Fill msg's control part (SNDINFO, PRINFO for a ttl) and its destination
 * from a, into cbuf. */
void aiosctp_build_send_cmsg(struct msghdr *msg, aiosctp_send_cmsg *cbuf,
                             const struct aiosctp_send_args *a);

/* ---- batched calls (msgio.c) ------------------------------------------ */

/* The data of aiosctp_recvmmsg_call and aiosctp_sendmmsg_call. */
struct aiosctp_mmsg {
    struct mmsghdr *mm;
    unsigned int count;
};

/* aiosctp_sysfuncs (for aiosctp_call) over a struct aiosctp_mmsg.
 * recvmmsg: nonblock takes what is queued (MSG_DONTWAIT), else it waits for
 * the first message only (MSG_WAITFORONE); sendmmsg: MSG_NOSIGNAL, and
 * MSG_DONTWAIT when nonblock. */
Py_ssize_t aiosctp_recvmmsg_call(int fd, int nonblock, void *data);
Py_ssize_t aiosctp_sendmmsg_call(int fd, int nonblock, void *data);

/* ---- received control data (msgio.c) --------------------------------- */

/* The next cmsg at level SCTP after prev (NULL: from the first), checked
 * against the end of the control data the kernel filled (a cmsg cut by
 * MSG_CTRUNC carries a shortened cmsg_len); *datalen is its data's size.
 * NULL at the end or at a malformed cmsg: nothing after it is trusted. */
struct cmsghdr *aiosctp_next_sctp_cmsg(struct msghdr *msg, struct cmsghdr *prev,
                                       size_t *datalen);

/* The receive information of a SCTP_RCVINFO or SCTP_SNDRCV cmsg as an
 * sctp_rcvinfo (ppid in network order, as the kernel gives it): 1, or 0
 * when the cmsg is of another type or too short. */
int aiosctp_cmsg_rcvinfo(const struct cmsghdr *cmsg, size_t datalen,
                         struct sctp_rcvinfo *out);

/* ---- waiting with a timeout (aiosctp.c) ------------------------------- */

/* Wait until fd is readable (writing=0) or writable (writing=1).
 * deadline is in CLOCK_MONOTONIC seconds. Returns 1 ready, 0 timed out
 * (TimeoutError set), -1 error set. Releases the GIL while polling. */
int aiosctp_wait(int fd, int writing, double deadline);
double aiosctp_monotonic(void);

/* ---- system calls (aiosctp.c) ----------------------------------------- */

/* One system call, run with the GIL released: must not touch Python objects.
 * `nonblock` asks it not to wait (MSG_DONTWAIT where the call has flags).
 * Returns >= 0, or -1 with errno set. */
typedef Py_ssize_t (*aiosctp_sysfunc)(int fd, int nonblock, void *data);

/* Run func until it succeeds, in the manner of socketmodule.c sock_call_ex:
 * EINTR -> PyErr_CheckSignals() then retry (PEP 475); EAGAIN with
 * timeout > 0 -> poll fd (writing: for POLLOUT) until a deadline computed
 * once, then TimeoutError; timeout >= 0 calls func with nonblock=1, so 0.0
 * tries once without waiting even on a blocking descriptor.
 * Returns func's result, or -1 with an exception set; when err is not NULL a
 * failure of the system call itself sets *err to its errno instead of
 * raising (the caller raises a more telling error), and *err stays 0 when an
 * exception is set (signal handler, timeout, poll). */
Py_ssize_t aiosctp_call(int fd, int writing, double timeout,
                        aiosctp_sysfunc func, void *data, int *err);

/* aiosctp_call keeping the GIL during the system call (release 0): for a
 * nonblocking call moving little data (at most AIOSCTP_SMALL_CALL bytes),
 * shorter than handing the GIL over and taking it back. */
#define AIOSCTP_SMALL_CALL (256 * 1024)
Py_ssize_t aiosctp_call_gil(int fd, int writing, double timeout,
                            aiosctp_sysfunc func, void *data, int *err,
                            int release);

/* Raise the OSError subclass for errno (like the socket module). */
PyObject *aiosctp_set_errno(int err);

/* A feature newer than the kernel headers this module was built against
 * (HAVE_* unset by setup.py's probes): raise OSError(ENOPROTOOPT) saying so.
 * `what` names it and the Linux version that added it. */
PyObject *aiosctp_not_built(const char *what);

/* getsockopt/setsockopt at SOL_SCTP with the GIL released; 0 or -1 with
 * an OSError set. *len is in/out for get. */
int aiosctp_getsockopt(int fd, int opt, void *val, socklen_t *len);
/* The same; a kernel refusal sets *err (no exception) so the caller can
 * retry or fall back; *err is 0 when an exception is set. */
int aiosctp_getsockopt_err(int fd, int opt, void *val, socklen_t *len,
                           int *err);
int aiosctp_setsockopt(int fd, int opt, const void *val, socklen_t len);

#endif /* AIOSCTP_H */
