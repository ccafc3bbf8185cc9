/* aiosctp._sctp: module init, argument conversion, addresses, and the SCTP
 * calls of RFC 6458 section 9 (bindx, connectx, peeloff, getpaddrs,
 * getladdrs) plus the association id list.  See aiosctp.h for the
 * conventions every function follows. */
#include "aiosctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

/* ---- errors ---------------------------------------------------------- */

PyObject *
aiosctp_not_built(const char *what)
{
    PyObject *args, *exc;

    /* OSError(errno, text) maps to the errno's subclass, as elsewhere */
    args = PyUnicode_FromFormat(
        "%s: this build of aiosctp._sctp lacks it (built against kernel "
        "headers without it, older than the kernel feature); rebuild against "
        "newer Linux uapi headers", what);
    if (args == NULL)
        return NULL;
    exc = PyObject_CallFunction(PyExc_OSError, "iN", ENOPROTOOPT, args);
    if (exc == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

PyObject *
aiosctp_set_errno(int err)
{
    errno = err;
    return PyErr_SetFromErrno(PyExc_OSError);
}

/* ---- integer converters ---------------------------------------------- */

/* An int, or any object with __index__ (numpy integers ...), in lo..hi.
 * __index__ runs Python code: callers hold their arguments strongly. */
static int
conv_range(PyObject *obj, long long lo, long long hi, long long *out)
{
    int overflow = 0;
    long long v;
    PyObject *num;

    if (!PyLong_Check(obj) && !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "an integer is required, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return 0;
    }
    num = PyNumber_Index(obj);
    if (num == NULL)
        return 0;
    v = PyLong_AsLongLongAndOverflow(num, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        Py_DECREF(num);
        return 0;
    }
    if (overflow || v < lo || v > hi) {
        PyErr_Format(PyExc_OverflowError, "%R is out of range %lld..%lld",
                     num, lo, hi);
        Py_DECREF(num);
        return 0;
    }
    Py_DECREF(num);
    *out = v;
    return 1;
}

/* One "O&" converter per C type: conv_range, then the store. */
#define RANGE_CONVERTER(func, type, lo, hi)                             \
    int                                                                 \
    func(PyObject *obj, void *out)                                      \
    {                                                                   \
        long long v;                                                    \
        if (!conv_range(obj, (lo), (hi), &v))                           \
            return 0;                                                   \
        *(type *)out = (type)v;                                         \
        return 1;                                                       \
    }

RANGE_CONVERTER(aiosctp_conv_u16, uint16_t, 0, UINT16_MAX)
RANGE_CONVERTER(aiosctp_conv_u32, uint32_t, 0, UINT32_MAX)
RANGE_CONVERTER(aiosctp_conv_i32, int32_t, INT32_MIN, INT32_MAX)
/* sctp_assoc_t is a signed 32-bit int; ids are >= 0 but the special
 * values SCTP_FUTURE/CURRENT/ALL_ASSOC are small positive numbers. */
RANGE_CONVERTER(aiosctp_conv_assoc, sctp_assoc_t, INT32_MIN, INT32_MAX)

#undef RANGE_CONVERTER

int
aiosctp_conv_fd(PyObject *obj, void *out)
{
    long long v;
    if (!conv_range(obj, -1, INT32_MAX, &v))
        return 0;
    if (v < 0) {
        /* what socket.fileno() returns for a closed socket */
        aiosctp_set_errno(EBADF);
        return 0;
    }
    *(int *)out = (int)v;
    return 1;
}

int
aiosctp_conv_timeout(PyObject *obj, void *out)
{
    double v = PyFloat_AsDouble(obj);
    if (v == -1.0 && PyErr_Occurred())
        return 0;
    *(double *)out = v;
    return 1;
}

int
aiosctp_check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t lo,
                    Py_ssize_t hi)
{
    if (nargs >= lo && nargs <= hi)
        return 0;
    if (lo == hi)
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)",
                     name, lo, nargs);
    else
        PyErr_Format(PyExc_TypeError,
                     "%s() takes %zd %s %zd arguments (%zd given)", name, lo,
                     hi == lo + 1 ? "or" : "to", hi, nargs);
    return -1;
}

/* ---- addresses --------------------------------------------------------- */

int
aiosctp_parse_sockaddr(PyObject *addr, int family,
                       struct sockaddr_storage *ss, socklen_t *len)
{
    const char *host;
    Py_ssize_t n;
    long long port, flowinfo = 0, scope_id = 0;
    Py_ssize_t hlen;

    if (!PyTuple_Check(addr)) {
        PyErr_Format(PyExc_TypeError,
                     "address must be a tuple (host, port), not %.100s",
                     Py_TYPE(addr)->tp_name);
        return -1;
    }
    n = PyTuple_GET_SIZE(addr);
    if (n < 2 || n > 4) {
        PyErr_SetString(PyExc_TypeError,
                        "address must be (host, port) or "
                        "(host, port, flowinfo, scope_id)");
        return -1;
    }
    /* The tuple is immutable and our caller holds it: the host string stays
     * alive while the integers' __index__ runs.  flowinfo is the 20-bit
     * flow label and scope_id a 32-bit index: out of range is an
     * OverflowError as in the socket module, never masked. */
    if (!PyUnicode_Check(PyTuple_GET_ITEM(addr, 0))) {
        PyErr_Format(PyExc_TypeError, "address host must be str, not %.100s",
                     Py_TYPE(PyTuple_GET_ITEM(addr, 0))->tp_name);
        return -1;
    }
    if (!conv_range(PyTuple_GET_ITEM(addr, 1), 0, 65535, &port) ||
        (n > 2 && !conv_range(PyTuple_GET_ITEM(addr, 2), 0, 0xFFFFF,
                              &flowinfo)) ||
        (n > 3 && !conv_range(PyTuple_GET_ITEM(addr, 3), 0, UINT32_MAX,
                              &scope_id)))
        return -1;
    host = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(addr, 0), &hlen);
    if (host == NULL)
        return -1;
    if (strlen(host) != (size_t)hlen) {
        PyErr_SetString(PyExc_ValueError,
                        "address host contains an embedded null character");
        return -1;
    }
    memset(ss, 0, sizeof(*ss));

    if (host[0] == '\0') {
        if (family == AF_UNSPEC) {
            PyErr_SetString(PyExc_ValueError,
                            "the wildcard address '' is not valid here");
            return -1;
        }
    }
    else if (strchr(host, ':') == NULL) {
        family = AF_INET;
    }
    else {
        family = AF_INET6;
    }

    if (family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        if (n > 2) {
            PyErr_SetString(PyExc_TypeError,
                            "an IPv4 address is a (host, port) pair");
            return -1;
        }
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        if (host[0] == '\0')
            sin->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
            goto not_numeric;
        *len = sizeof(*sin);
        return 0;
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        sin6->sin6_flowinfo = htonl((uint32_t)flowinfo);
        sin6->sin6_scope_id = (uint32_t)scope_id;
        if (host[0] == '\0')
            sin6->sin6_addr = in6addr_any;
        else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
            goto not_numeric;
        *len = sizeof(*sin6);
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "unsupported address family %d", family);
    return -1;

not_numeric:
    PyErr_Format(PyExc_ValueError, "%R is not a numeric IP address", addr);
    return -1;
}

PyObject *
aiosctp_make_sockaddr(const struct sockaddr *sa, size_t len)
{
    char buf[INET6_ADDRSTRLEN];

    if (len >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        if (!inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)))
            return PyErr_SetFromErrno(PyExc_OSError);
        return Py_BuildValue("(si)", buf, ntohs(sin->sin_port));
    }
    if (len >= sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        if (!inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf)))
            return PyErr_SetFromErrno(PyExc_OSError);
        return Py_BuildValue("(siII)", buf, ntohs(sin6->sin6_port),
                             (unsigned int)ntohl(sin6->sin6_flowinfo),
                             (unsigned int)sin6->sin6_scope_id);
    }
    if (len < sizeof(sa_family_t))
        Py_RETURN_NONE;
    return Py_BuildValue("(iy#)", (int)sa->sa_family, (const char *)sa,
                         (Py_ssize_t)len);
}

char *
aiosctp_pack_addrs(PyObject *addrs, int family, int *count, size_t *size)
{
    PyObject *seq;
    Py_ssize_t i, n;
    char *buf = NULL;
    size_t used = 0;

    /* A tuple copy holds every item strongly: parsing an item can run
     * Python code (__index__) that empties the caller's list. */
    if (PyUnicode_Check(addrs) || PyBytes_Check(addrs)) {
        PyErr_SetString(PyExc_TypeError,
                        "addresses must be a sequence of tuples, not a string");
        return NULL;
    }
    seq = PySequence_Tuple(addrs);
    if (seq == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError,
                            "addresses must be a sequence of tuples");
        }
        return NULL;
    }
    n = PyTuple_GET_SIZE(seq);
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "the address list is empty");
        goto fail;
    }
    if (n > INT_MAX / (Py_ssize_t)sizeof(struct sockaddr_in6)) {
        PyErr_SetString(PyExc_ValueError, "too many addresses");
        goto fail;
    }
    /* Sized for the worst case: every address IPv6. */
    buf = PyMem_Malloc((size_t)n * sizeof(struct sockaddr_in6));
    if (buf == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        if (aiosctp_parse_sockaddr(PyTuple_GET_ITEM(seq, i), family,
                                   &ss, &len) < 0)
            goto fail;
        memcpy(buf + used, &ss, len);
        used += len;
    }
    Py_DECREF(seq);
    *count = (int)n;
    *size = used;
    return buf;

fail:
    PyMem_Free(buf);
    Py_DECREF(seq);
    return NULL;
}

PyObject *
aiosctp_int_list(const void *buf, size_t count, size_t width, int is_signed)
{
    const char *p = buf;
    PyObject *list = PyList_New((Py_ssize_t)count);
    size_t i;

    if (list == NULL)
        return NULL;
    for (i = 0; i < count; i++, p += width) {
        long value;
        PyObject *v;
        if (width == 1) {
            value = *(const uint8_t *)p;
        } else if (width == 2) {
            uint16_t x;
            memcpy(&x, p, sizeof(x));
            value = x;
        } else {
            uint32_t x;
            memcpy(&x, p, sizeof(x));
            value = is_signed ? (long)(int32_t)x : (long)x;
        }
        v = PyLong_FromLong(value);
        if (v == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    return list;
}

PyObject *
aiosctp_unpack_addrs(const char *buf, size_t size, int count)
{
    PyObject *list = PyList_New(0);
    size_t off = 0;
    int i;

    if (list == NULL)
        return NULL;
    for (i = 0; i < count; i++) {
        struct sockaddr_storage ss;
        size_t len;
        PyObject *item;
        sa_family_t fam;

        if (size - off < sizeof(sa_family_t))
            break;
        memcpy(&fam, buf + off, sizeof(fam));
        if (fam == AF_INET)
            len = sizeof(struct sockaddr_in);
        else if (fam == AF_INET6)
            len = sizeof(struct sockaddr_in6);
        else
            break; /* the kernel only packs these two */
        if (size - off < len)
            break;
        memcpy(&ss, buf + off, len); /* aligned copy */
        off += len;
        item = aiosctp_make_sockaddr((struct sockaddr *)&ss, len);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}

/* ---- waiting ------------------------------------------------------------ */

double
aiosctp_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int
aiosctp_wait(int fd, int writing, double deadline)
{
    struct pollfd pfd;
    int r, err;

    pfd.fd = fd;
    pfd.events = writing ? POLLOUT : POLLIN;
    for (;;) {
        double left = deadline - aiosctp_monotonic();
        int ms;
        if (left <= 0)
            break;
        ms = left > 1e6 ? 1000000000 : (int)(left * 1000.0 + 0.999);
        pfd.revents = 0;
        Py_BEGIN_ALLOW_THREADS
        r = poll(&pfd, 1, ms);
        Py_END_ALLOW_THREADS
        err = errno;
        if (r > 0)
            return 1; /* ready, or an error the next call will report */
        if (r < 0) {
            if (err != EINTR) {
                aiosctp_set_errno(err);
                return -1;
            }
            if (PyErr_CheckSignals() < 0)
                return -1;
        }
    }
    PyErr_SetString(PyExc_TimeoutError, "timed out");
    return 0;
}

/* ---- the one system-call loop ------------------------------------------ */

Py_ssize_t
aiosctp_call(int fd, int writing, double timeout, aiosctp_sysfunc func,
             void *data, int *err)
{
    return aiosctp_call_gil(fd, writing, timeout, func, data, err, 1);
}

Py_ssize_t
aiosctp_call_gil(int fd, int writing, double timeout, aiosctp_sysfunc func,
                 void *data, int *err, int release)
{
    /* Computed once: retries after EINTR or a poll wakeup that finds the
     * socket still not ready do not extend it. */
    double deadline = timeout > 0 ? aiosctp_monotonic() + timeout : 0;
    /* The timeout decides, not the descriptor's mode: 0.0 means "try once"
     * even on a blocking fd, and > 0 waits in poll(), never in the call. */
    int nonblock = timeout >= 0;

    if (err != NULL)
        *err = 0;
    for (;;) {
        Py_ssize_t r;
        int e;
        if (release) {
            Py_BEGIN_ALLOW_THREADS
            r = func(fd, nonblock, data);
            e = errno;
            Py_END_ALLOW_THREADS
        }
        else {
            r = func(fd, nonblock, data);
            e = errno;
        }
        if (r >= 0)
            return r;
        if (e == EINTR) {
            /* PEP 475: a handler that raises ends the call, else retry */
            if (PyErr_CheckSignals() < 0)
                return -1;
            continue;
        }
        if ((e == EAGAIN || e == EWOULDBLOCK) && timeout > 0) {
            if (aiosctp_wait(fd, writing, deadline) <= 0)
                return -1;
            continue;
        }
        if (err != NULL) {
            *err = e;
            return -1;
        }
        aiosctp_set_errno(e);
        return -1;
    }
}

/* ---- SOL_SCTP get/set through aiosctp_call -------------------------------- */

struct sockopt_call {
    int opt;
    void *val;            /* get */
    const void *cval;     /* set */
    socklen_t *len;       /* get: in/out */
    socklen_t clen;       /* set */
};

static Py_ssize_t
getsockopt_call(int fd, int Py_UNUSED(nonblock), void *data)
{
    struct sockopt_call *c = data;
    return getsockopt(fd, SOL_SCTP, c->opt, c->val, c->len);
}

static Py_ssize_t
setsockopt_call(int fd, int Py_UNUSED(nonblock), void *data)
{
    struct sockopt_call *c = data;
    return setsockopt(fd, SOL_SCTP, c->opt, c->cval, c->clen);
}

/* getsockopt at SOL_SCTP; with err, a kernel refusal sets *err instead of
 * raising (the caller retries on ENOMEM/EINVAL).  Socket options do not
 * wait on the socket: timeout -1, so EAGAIN is an error like any other. */
int
aiosctp_getsockopt_err(int fd, int opt, void *val, socklen_t *len,
                       int *err)
{
    struct sockopt_call c = {opt, val, NULL, len, 0};
    return aiosctp_call(fd, 0, -1.0, getsockopt_call, &c, err) < 0 ? -1 : 0;
}

int
aiosctp_getsockopt(int fd, int opt, void *val, socklen_t *len)
{
    return aiosctp_getsockopt_err(fd, opt, val, len, NULL);
}

int
aiosctp_setsockopt(int fd, int opt, const void *val, socklen_t len)
{
    struct sockopt_call c = {opt, NULL, val, NULL, len};
    return aiosctp_call(fd, 0, -1.0, setsockopt_call, &c, NULL) < 0 ? -1 : 0;
}

/* ---- bindx ------------------------------------------------------------- */

PyDoc_STRVAR(bindx_doc,
"bindx(fd, family, addrs, flags) -> None\n\n"
"sctp_bindx(): add (flags=SCTP_BINDX_ADD_ADDR) or remove\n"
"(SCTP_BINDX_REM_ADDR) local addresses. `family` resolves ''.");

static PyObject *
core_bindx(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, family, flags, count, opt;
    PyObject *addrs;
    char *buf;
    size_t size;
    int r;

    if (!PyArg_ParseTuple(args, "O&iOi:bindx", aiosctp_conv_fd, &fd, &family,
                          &addrs, &flags))
        return NULL;
    if (flags == SCTP_BINDX_ADD_ADDR)
        opt = SCTP_SOCKOPT_BINDX_ADD;
    else if (flags == SCTP_BINDX_REM_ADDR)
        opt = SCTP_SOCKOPT_BINDX_REM;
    else {
        PyErr_SetString(PyExc_ValueError,
                        "flags must be SCTP_BINDX_ADD_ADDR or "
                        "SCTP_BINDX_REM_ADDR");
        return NULL;
    }
    buf = aiosctp_pack_addrs(addrs, family, &count, &size);
    if (buf == NULL)
        return NULL;
    r = aiosctp_setsockopt(fd, opt, buf, (socklen_t)size);
    PyMem_Free(buf);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- connectx ------------------------------------------------------------ */

/* The kernel's struct sctp_getaddrs_old: addr_num carries the byte size of
 * the packed address list for SCTP_SOCKOPT_CONNECTX3. */
struct connectx3_param {
    sctp_assoc_t assoc_id;
    int addr_num;
    struct sockaddr *addrs;
};

static int
socket_type(int fd)
{
    int type = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        return -1;
    return type;
}

PyDoc_STRVAR(connectx_doc,
"connectx(fd, family, addrs, timeout) -> assoc_id\n\n"
"sctp_connectx(): start an association to a peer known by several\n"
"addresses. A nonblocking socket returns the association id while the\n"
"handshake is still in progress; a one-to-one socket with a timeout or\n"
"blocking waits for it. A blocking call interrupted by a signal whose\n"
"handler does not raise goes on waiting and returns the real id.");

/* The first connectx, once, with the GIL released.  Not through
 * aiosctp_call: after EINTR the association exists and its handshake goes on,
 * and a second call would only report EALREADY (CPython's sock_connect calls
 * connect() once for the same reason).  Returns 0 or an errno. */
static int
connectx_once(int fd, struct connectx3_param *param)
{
    socklen_t plen = sizeof(*param);
    int r, err;
    Py_BEGIN_ALLOW_THREADS
    r = getsockopt(fd, SOL_SCTP, SCTP_SOCKOPT_CONNECTX3, param, &plen);
    err = errno;
    Py_END_ALLOW_THREADS
    return r == 0 ? 0 : err;
}

/* The id of the association to one of the packed addresses, or 0 if there
 * is none.  The kernel copies the id back only on success or EINPROGRESS;
 * after EINTR we ask it by peer address (SCTP_GET_PEER_ADDR_INFO finds the
 * association in any state, on both socket styles). */
static sctp_assoc_t
assoc_id_by_addrs(int fd, const char *buf, size_t size)
{
    size_t off = 0;

    while (size - off >= sizeof(sa_family_t)) {
        struct sctp_paddrinfo pi;
        socklen_t len = sizeof(pi);
        sa_family_t fam;
        size_t alen;

        memcpy(&fam, buf + off, sizeof(fam));
        alen = fam == AF_INET6 ? sizeof(struct sockaddr_in6)
                               : sizeof(struct sockaddr_in);
        if (size - off < alen)
            break;
        memset(&pi, 0, sizeof(pi));
        memcpy(&pi.spinfo_address, buf + off, alen);
        off += alen;
        if (aiosctp_getsockopt(fd, SCTP_GET_PEER_ADDR_INFO, &pi, &len) == 0)
            return pi.spinfo_assoc_id;
        PyErr_Clear(); /* not this address: try the next */
    }
    return 0;
}

/* The id of a one-to-one socket's one association (SCTP_STATUS ignores the
 * id there once it is established), or 0. */
static sctp_assoc_t
assoc_id_by_status(int fd)
{
    struct sctp_status st;
    socklen_t len = sizeof(st);

    memset(&st, 0, sizeof(st));
    if (aiosctp_getsockopt(fd, SCTP_STATUS, &st, &len) < 0) {
        PyErr_Clear();
        return 0;
    }
    return st.sstat_assoc_id;
}

/* Wait for a one-to-one socket's handshake to end (writable), then report
 * its outcome from SO_ERROR.  0 or -1 with an exception set. */
static int
connectx_wait(int fd, double deadline)
{
    int soerr = 0;
    socklen_t slen = sizeof(soerr);

    if (aiosctp_wait(fd, 1, deadline) <= 0)
        return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) < 0) {
        aiosctp_set_errno(errno);
        return -1;
    }
    if (soerr != 0) {
        aiosctp_set_errno(soerr);
        return -1;
    }
    return 0;
}

static PyObject *
core_connectx(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, family, count, err, interrupted = 0;
    PyObject *addrs;
    double timeout, deadline;
    struct connectx3_param param;
    sctp_assoc_t id;
    size_t size;
    char *buf;

    if (!PyArg_ParseTuple(args, "O&iOd:connectx", aiosctp_conv_fd, &fd,
                          &family, &addrs, &timeout))
        return NULL;
    buf = aiosctp_pack_addrs(addrs, family, &count, &size);
    if (buf == NULL)
        return NULL;
    deadline = timeout > 0 ? aiosctp_monotonic() + timeout : 1e300;

    memset(&param, 0, sizeof(param));
    param.addr_num = (int)size;
    param.addrs = (struct sockaddr *)buf;
    err = connectx_once(fd, &param);
    if (err == EINTR) {
        /* PEP 475: a handler that raises ends the call; else the
         * handshake goes on and we wait for it as for EINPROGRESS. */
        if (PyErr_CheckSignals() < 0)
            goto fail;
        interrupted = 1;
        err = EINPROGRESS;
    }
    id = param.assoc_id;
    if (interrupted)
        id = assoc_id_by_addrs(fd, buf, size);
    if (err != 0 && err != EINPROGRESS) {
        aiosctp_set_errno(err);
        goto fail;
    }
    /* In progress.  A nonblocking caller gets the id now; a blocking one
     * (interrupted) or one with a timeout waits for the one-to-one socket
     * to become writable (the association is up, or failed: SO_ERROR says
     * which).  One-to-many sockets are always writable: they return now,
     * the handshake's outcome comes as an ASSOC_CHANGE notification. */
    if (err == EINPROGRESS && timeout != 0 && socket_type(fd) == SOCK_STREAM &&
        connectx_wait(fd, deadline) < 0)
        goto fail;
    if (interrupted && id == 0)
        /* the association was set up meanwhile but not found by address
         * (the peer answered from another one): a one-to-one socket has
         * only the one */
        id = assoc_id_by_status(fd);
    PyMem_Free(buf);
    if (interrupted && id == 0)
        return aiosctp_set_errno(ECONNABORTED);
    return PyLong_FromLong(id);

fail:
    PyMem_Free(buf);
    return NULL;
}

/* ---- peeloff --------------------------------------------------------------- */

PyDoc_STRVAR(peeloff_doc,
"peeloff(fd, assoc_id) -> fd\n\n"
"sctp_peeloff(): branch an association of a one-to-many socket off into\n"
"a new one-to-one socket (close-on-exec). Returns its descriptor.");

static PyObject *
core_peeloff(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    sctp_peeloff_flags_arg_t arg;
    socklen_t len = sizeof(arg);

    if (!PyArg_ParseTuple(args, "O&O&:peeloff", aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &id))
        return NULL;
    memset(&arg, 0, sizeof(arg));
    arg.p_arg.associd = id;
    arg.flags = SOCK_CLOEXEC;
    if (aiosctp_getsockopt(fd, SCTP_SOCKOPT_PEELOFF_FLAGS, &arg, &len) < 0)
        return NULL;
    return PyLong_FromLong(arg.p_arg.sd);
}

/* ---- accept ---------------------------------------------------------------- */

PyDoc_STRVAR(accept_doc,
"accept(fd, ask_first=False) -> (fd, address)\n\n"
"accept4() once, the new descriptor nonblocking and close-on-exec (no\n"
"further call to make it so). BlockingIOError when nothing is queued.\n"
"ask_first: poll() first, and accept only when an association is queued\n"
"(Linux's SCTP accept() on an empty queue sleeps until the next timer\n"
"tick, nonblocking or not). On a blocking socket accept4() waits, as\n"
"accept() does. The caller owns the descriptor.");

struct accept_args {
    struct sockaddr_storage ss;
    socklen_t len;
};

static Py_ssize_t
accept_call(int fd, int Py_UNUSED(nonblock), void *data)
{
    struct accept_args *a = data;
    a->len = sizeof(a->ss);
    return accept4(fd, (struct sockaddr *)&a->ss, &a->len,
                   SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/* poll() without waiting: 1 when an association is queued (or an error
 * condition is pending, which accept4() then reports), 0 when not. */
static Py_ssize_t
queued_call(int fd, int Py_UNUSED(nonblock), void *Py_UNUSED(data))
{
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, 0);
}

static PyObject *
core_accept(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, ask_first = 0;
    Py_ssize_t newfd;
    struct accept_args a;
    PyObject *addr, *res;

    if (!PyArg_ParseTuple(args, "O&|p:accept", aiosctp_conv_fd, &fd, &ask_first))
        return NULL;
    if (ask_first) {
        /* the GIL kept: poll() with a zero timeout does not wait */
        Py_ssize_t r = aiosctp_call_gil(fd, 0, -1.0, queued_call, NULL, NULL, 0);
        if (r < 0)
            return NULL;
        /* nothing queued: say so as accept4() would, without its sleep */
        if (r == 0)
            return aiosctp_set_errno(EAGAIN);
    }
    memset(&a, 0, sizeof(a));
    /* GIL released: Linux's SCTP accept() may sleep a timer tick even on a
     * nonblocking socket with an empty queue. */
    newfd = aiosctp_call(fd, 0, 0.0, accept_call, &a, NULL);
    if (newfd < 0)
        return NULL;
    addr = aiosctp_make_sockaddr((struct sockaddr *)&a.ss,
                                 a.len < sizeof(a.ss) ? a.len : sizeof(a.ss));
    if (addr == NULL) {
        close((int)newfd);
        return NULL;
    }
    res = Py_BuildValue("(nN)", newfd, addr);
    if (res == NULL)
        close((int)newfd);
    return res;
}

/* ---- getpaddrs / getladdrs ----------------------------------------------- */

static PyObject *
get_addrs(PyObject *args, int opt, const char *fmt)
{
    int fd;
    sctp_assoc_t id;
    size_t cap = 1024;

    if (!PyArg_ParseTuple(args, fmt, aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &id))
        return NULL;
    /* The kernel answers ENOMEM when the buffer is too small: grow it. */
    for (;;) {
        struct sctp_getaddrs *ga;
        socklen_t len = (socklen_t)cap;
        int r, err;
        PyObject *res;

        ga = PyMem_Malloc(cap);
        if (ga == NULL)
            return PyErr_NoMemory();
        memset(ga, 0, sizeof(*ga));
        ga->assoc_id = id;
        r = aiosctp_getsockopt_err(fd, opt, ga, &len, &err);
        if (r < 0) {
            PyMem_Free(ga);
            if (err == 0)
                return NULL; /* a signal handler raised */
            if (err == ENOMEM && cap < (1u << 24)) {
                cap *= 4;
                continue;
            }
            return aiosctp_set_errno(err);
        }
        /* The returned optlen is no bound to trust: for local addresses
         * the kernel reports the bytes copied without the header (a
         * long-standing quirk it keeps for compatibility).  addr_num
         * entries were written; the unpacker checks each against the end
         * of our buffer. */
        res = aiosctp_unpack_addrs((const char *)ga->addrs,
                                   cap - sizeof(*ga), (int)ga->addr_num);
        PyMem_Free(ga);
        return res;
    }
}

/* core_getpaddrs and core_getladdrs: get_addrs with their option. */
#define GET_ADDRS_FUNC(name, opt)                                       \
    static PyObject *                                                   \
    core_##name(PyObject *Py_UNUSED(module), PyObject *args)            \
    {                                                                   \
        return get_addrs(args, (opt), "O&O&:" #name);                   \
    }

PyDoc_STRVAR(getpaddrs_doc,
"getpaddrs(fd, assoc_id) -> list of addresses\n\n"
"sctp_getpaddrs(): the peer's addresses of an association.");
GET_ADDRS_FUNC(getpaddrs, SCTP_GET_PEER_ADDRS)

PyDoc_STRVAR(getladdrs_doc,
"getladdrs(fd, assoc_id) -> list of addresses\n\n"
"sctp_getladdrs(): the local addresses of an association (assoc_id 0:\n"
"of the socket).");
GET_ADDRS_FUNC(getladdrs, SCTP_GET_LOCAL_ADDRS)

#undef GET_ADDRS_FUNC

/* ---- association ids ------------------------------------------------------- */

PyDoc_STRVAR(get_assoc_ids_doc,
"get_assoc_ids(fd) -> list of int\n\n"
"The ids of the associations of a one-to-many socket\n"
"(SCTP_GET_ASSOC_ID_LIST).");

static PyObject *
core_get_assoc_ids(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;

    if (!PyArg_ParseTuple(args, "O&:get_assoc_ids", aiosctp_conv_fd, &fd))
        return NULL;
    for (;;) {
        uint32_t number = 0;
        socklen_t len = sizeof(number);
        struct sctp_assoc_ids *ids;
        size_t cap;
        int r, err;
        PyObject *list;

        if (aiosctp_getsockopt(fd, SCTP_GET_ASSOC_NUMBER, &number, &len) < 0)
            return NULL;
        /* Room for some that arrive between the two calls. */
        if (number > (1u << 24))
            return aiosctp_set_errno(ENOMEM);
        cap = sizeof(*ids) + ((size_t)number + 16) * sizeof(sctp_assoc_t);
        ids = PyMem_Malloc(cap);
        if (ids == NULL)
            return PyErr_NoMemory();
        len = (socklen_t)cap;
        r = aiosctp_getsockopt_err(fd, SCTP_GET_ASSOC_ID_LIST, ids, &len,
                                   &err);
        if (r < 0) {
            PyMem_Free(ids);
            if (err == 0)
                return NULL; /* a signal handler raised */
            if (err == EINVAL)
                continue; /* more associations arrived meanwhile */
            return aiosctp_set_errno(err);
        }
        if (len < sizeof(*ids) ||
            ids->gaids_number_of_ids >
                (len - sizeof(*ids)) / sizeof(sctp_assoc_t)) {
            PyMem_Free(ids);
            return aiosctp_set_errno(EPROTO);
        }
        list = aiosctp_int_list(ids->gaids_assoc_id, ids->gaids_number_of_ids,
                                sizeof(sctp_assoc_t), 1);
        PyMem_Free(ids);
        return list;
    }
}

/* ---- address helpers exposed for the Python layer ---------------------- */

PyDoc_STRVAR(check_sockaddr_doc,
"check_sockaddr(addr, family) -> addr\n\n"
"Validate a numeric address tuple as the C calls will read it and return\n"
"it normalised (as the kernel reports addresses). ValueError when the\n"
"host is not numeric.");

static PyObject *
core_check_sockaddr(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *addr;
    int family;
    struct sockaddr_storage ss;
    socklen_t len;

    if (!PyArg_ParseTuple(args, "Oi:check_sockaddr", &addr, &family))
        return NULL;
    if (aiosctp_parse_sockaddr(addr, family, &ss, &len) < 0)
        return NULL;
    return aiosctp_make_sockaddr((struct sockaddr *)&ss, len);
}

PyMethodDef aiosctp_core_methods[] = {
    {"bindx", core_bindx, METH_VARARGS, bindx_doc},
    {"connectx", core_connectx, METH_VARARGS, connectx_doc},
    {"peeloff", core_peeloff, METH_VARARGS, peeloff_doc},
    {"accept", core_accept, METH_VARARGS, accept_doc},
    {"getpaddrs", core_getpaddrs, METH_VARARGS, getpaddrs_doc},
    {"getladdrs", core_getladdrs, METH_VARARGS, getladdrs_doc},
    {"get_assoc_ids", core_get_assoc_ids, METH_VARARGS, get_assoc_ids_doc},
    {"check_sockaddr", core_check_sockaddr, METH_VARARGS, check_sockaddr_doc},
    {NULL, NULL, 0, NULL},
};

/* ---- module ---------------------------------------------------------------- */

static const aiosctp_int_const core_constants[] = {
    AIOSCTP_CONST(IPPROTO_SCTP),
    AIOSCTP_CONST(SOL_SCTP),
    AIOSCTP_CONST(SCTP_BINDX_ADD_ADDR),
    AIOSCTP_CONST(SCTP_BINDX_REM_ADDR),
#ifdef HAVE_SCTP_FUTURE_ASSOC
    AIOSCTP_CONST(SCTP_FUTURE_ASSOC),
    AIOSCTP_CONST(SCTP_CURRENT_ASSOC),
    AIOSCTP_CONST(SCTP_ALL_ASSOC),
#endif
    {NULL, 0},
};

static int
add_int_constants(PyObject *m, const aiosctp_int_const *c)
{
    for (; c->name != NULL; c++) {
        if (PyModule_AddIntConstant(m, c->name, c->value) < 0)
            return -1;
    }
    return 0;
}

static int
sctp_exec(PyObject *m)
{
    if (PyModule_AddFunctions(m, aiosctp_core_methods) < 0 ||
        PyModule_AddFunctions(m, aiosctp_msgio_methods) < 0 ||
        PyModule_AddFunctions(m, aiosctp_sockopt_methods) < 0 ||
        PyModule_AddFunctions(m, aiosctp_fastpath_methods) < 0)
        return -1;
    if (add_int_constants(m, core_constants) < 0 ||
        add_int_constants(m, aiosctp_msgio_constants) < 0 ||
        add_int_constants(m, aiosctp_sockopt_constants) < 0)
        return -1;
    if (aiosctp_fastpath_init_types(m) < 0)
        return -1;
    return aiosctp_msgio_init_types(m, aiosctp_get_state(m));
}

/* Since Python 3.9 (our oldest) m_traverse, m_clear and m_free are not
 * called before the module state is allocated: st is never NULL here. */
static int
sctp_traverse(PyObject *m, visitproc visit, void *arg)
{
    aiosctp_state *st = aiosctp_get_state(m);
    AIOSCTP_STATE_REFS(Py_VISIT, st);
    return 0;
}

static int
sctp_clear(PyObject *m)
{
    aiosctp_state *st = aiosctp_get_state(m);
    AIOSCTP_STATE_REFS(Py_CLEAR, st);
    return 0;
}

static void
sctp_free(void *m)
{
    sctp_clear((PyObject *)m);
}

static PyModuleDef_Slot sctp_slots[] = {
    {Py_mod_exec, sctp_exec},
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef sctp_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "aiosctp._sctp",
    .m_doc = "The C core of aiosctp: SCTP calls, socket options and message "
             "I/O over Linux kernel SCTP. Plain Python values in and out; "
             "see aiosctp.lowlevel for the typed API.",
    .m_size = sizeof(aiosctp_state), /* the info types; nothing mutable */
    .m_methods = NULL,
    .m_slots = sctp_slots,
    .m_traverse = sctp_traverse,
    .m_clear = sctp_clear,
    .m_free = sctp_free,
};

PyMODINIT_FUNC
PyInit__sctp(void)
{
    return PyModuleDef_Init(&sctp_module);
}
