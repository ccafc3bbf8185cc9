/* aiosctp._sctp: message I/O.
 *
 * sendmsg/recvmsg over kernel SCTP with the RFC 6458 ancillary data
 * (SCTP_SNDINFO, SCTP_PRINFO out; SCTP_RCVINFO, SCTP_NXTINFO and the older
 * SCTP_SNDRCV in), their batched forms over sendmmsg/recvmmsg, and the
 * decoding of every notification the kernel delivers.
 *
 * PPIDs are host-order integers on the Python side; the kernel copies
 * snd_ppid/rcv_ppid verbatim to and from the wire, which is big-endian, so
 * they are converted with htonl/ntohl here and nowhere else. */
#include "aiosctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Room for every cmsg recvmsg may carry: RCVINFO, NXTINFO and SNDRCV, and
 * headroom for those we do not read but a caller may turn on at the socket
 * level: the kernel puts SO_TIMESTAMP[NS] (16), SO_TIMESTAMPING (3 x 16) and
 * SO_RXQ_OVFL (4) before the SCTP ones, so without room for them RCVINFO is
 * cut (MSG_CTRUNC) and the message would look like stream 0, PPID 0. */
#define RECV_CMSG_HEADROOM 256
#define RECV_CMSG_SPACE                                                   \
    (CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +                            \
     CMSG_SPACE(sizeof(struct sctp_nxtinfo)) +                            \
     CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) + RECV_CMSG_HEADROOM)

/* Bounds of a receive buffer: one message can be read in several parts
 * (MSG_EOR marks the last), so nothing needs more; a batch's arena is
 * max_messages x bufsize bytes. */
#define MAX_RECV_BUFSIZE ((Py_ssize_t)1 << 28)   /* 256 MiB */
#define MAX_RECV_ARENA ((Py_ssize_t)1 << 26)     /* 64 MiB */

typedef union {
    struct cmsghdr align;
    char buf[RECV_CMSG_SPACE];
} recv_cmsg_t;

/* ---- building the ancillary data ---------------------------------------- */

/* One SCTP cmsg of type with len bytes of data, at cbuf->buf + used (a
 * multiple of CMSG_SPACE: aligned).  Returns the space it takes. */
static size_t
put_cmsg(aiosctp_send_cmsg *cbuf, size_t used, int type, const void *data,
         size_t len)
{
    struct cmsghdr *cmsg = (struct cmsghdr *)(cbuf->buf + used);
    cmsg->cmsg_level = IPPROTO_SCTP;
    cmsg->cmsg_type = type;
    cmsg->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(cmsg), data, len);
    return CMSG_SPACE(len);
}

/* Fill msg's control part from a.  SNDINFO is always sent, so explicit
 * zeros (stream 0, PPID 0) are sent as given; only stream=None (no_sndinfo)
 * leaves it out, and the socket's SCTP_DEFAULT_SNDINFO applies. */
void
aiosctp_build_send_cmsg(struct msghdr *msg, aiosctp_send_cmsg *cbuf,
                        const struct aiosctp_send_args *a)
{
    size_t used = 0;

    if (!a->no_sndinfo) {
        struct sctp_sndinfo si;
        memset(&si, 0, sizeof(si));
        si.snd_sid = a->stream;
        si.snd_flags = a->flags;
        si.snd_ppid = htonl(a->ppid);
        si.snd_context = a->context;
        si.snd_assoc_id = a->assoc_id;
        used += put_cmsg(cbuf, used, SCTP_SNDINFO, &si, sizeof(si));
    }
    if (a->ttl) {
        struct sctp_prinfo pr;
        memset(&pr, 0, sizeof(pr));
        pr.pr_policy = SCTP_PR_SCTP_TTL;
        pr.pr_value = a->ttl;
        used += put_cmsg(cbuf, used, SCTP_PRINFO, &pr, sizeof(pr));
    }
    msg->msg_control = used ? cbuf->buf : NULL;
    msg->msg_controllen = used;
    if (a->tolen) {
        msg->msg_name = (void *)&a->to;
        msg->msg_namelen = a->tolen;
    }
}

/* Linux answers a message larger than SO_SNDBUF with a bare EMSGSIZE; say
 * what to raise.  Other EMSGSIZE causes keep the plain error. */
static PyObject *
set_send_error(int fd, int err, Py_ssize_t len)
{
    int sndbuf = 0;
    socklen_t sl = sizeof(sndbuf);
    PyObject *text, *args, *exc;

    if (err != EMSGSIZE ||
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) < 0 ||
        len <= sndbuf)
        return aiosctp_set_errno(err);
    text = PyUnicode_FromFormat(
        "message of %zd bytes is larger than the socket send buffer "
        "(SO_SNDBUF=%d): Linux refuses it whole; raise SO_SNDBUF "
        "(setsockopt, capped by net.core.wmem_max) or send smaller messages",
        len, sndbuf);
    if (text == NULL)
        return NULL;
    args = Py_BuildValue("(iN)", EMSGSIZE, text);
    if (args == NULL)
        return NULL;
    /* OSError(errno, text) maps to the errno's subclass, like the socket
     * module's errors. */
    exc = PyObject_Call(PyExc_OSError, args, NULL);
    Py_DECREF(args);
    if (exc == NULL)
        return NULL;
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return NULL;
}

static Py_ssize_t
sendmsg_call(int fd, int nonblock, void *data)
{
    return sendmsg(fd, (struct msghdr *)data,
                   MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
}

/* One sendmsg through aiosctp_call.  Returns bytes sent or -1 with an
 * exception set. */
static Py_ssize_t
send_one(int fd, struct msghdr *msg, Py_ssize_t len, double timeout)
{
    int err;
    Py_ssize_t n = aiosctp_call(fd, 1, timeout, sendmsg_call, msg, &err);
    if (n < 0 && err != 0)
        set_send_error(fd, err, len);
    return n;
}

/* Parse the shared per-message arguments (stream, ppid, flags, context,
 * ttl, assoc_id, to) from args[0..6]. */
static int
parse_send_args(PyObject *const *args, int family, struct aiosctp_send_args *a)
{
    memset(a, 0, sizeof(*a));
    if (args[0] == Py_None)
        a->no_sndinfo = 1;
    else if (!aiosctp_conv_u16(args[0], &a->stream))
        return -1;
    if (!aiosctp_conv_u32(args[1], &a->ppid) ||
        !aiosctp_conv_u16(args[2], &a->flags) ||
        !aiosctp_conv_u32(args[3], &a->context) ||
        !aiosctp_conv_u32(args[4], &a->ttl) ||
        !aiosctp_conv_assoc(args[5], &a->assoc_id))
        return -1;
    if (a->no_sndinfo && (a->ppid || a->flags || a->context || a->assoc_id)) {
        PyErr_SetString(PyExc_ValueError,
                        "stream=None sends no SCTP_SNDINFO (the socket's "
                        "SCTP_DEFAULT_SNDINFO applies): ppid, flags, context "
                        "and assoc_id must then be 0");
        return -1;
    }
    if (args[6] != Py_None &&
        aiosctp_parse_sockaddr(args[6], family, &a->to, &a->tolen) < 0)
        return -1;
    return 0;
}

static int
check_data_len(Py_ssize_t len, uint16_t flags)
{
    if (len == 0 && !(flags & (SCTP_EOF | SCTP_ABORT))) {
        PyErr_SetString(PyExc_ValueError,
                        "cannot send an empty message (SCTP has no empty "
                        "user messages; use eof=True to shut down)");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(sendmsg_doc,
"sendmsg(fd, data, stream, ppid, flags, context, ttl, assoc_id, to, timeout)\n"
"-> int\n\n"
"Send one whole SCTP message. flags are SCTP_UNORDERED, SCTP_EOF,\n"
"SCTP_ABORT, SCTP_ADDR_OVER, SCTP_SENDALL; ttl > 0 (ms) uses PR-SCTP's TTL\n"
"policy; `to` is an address tuple or None; ppid is host order.");

static PyObject *
msgio_sendmsg(PyObject *Py_UNUSED(module), PyObject *const *args,
              Py_ssize_t nargs)
{
    int fd;
    Py_buffer view;
    struct aiosctp_send_args a;
    struct msghdr msg;
    struct iovec iov;
    aiosctp_send_cmsg cbuf;
    double timeout;
    Py_ssize_t n;

    if (aiosctp_check_nargs("sendmsg", nargs, 10, 10) < 0 ||
        !aiosctp_conv_fd(args[0], &fd) ||
        !aiosctp_conv_timeout(args[9], &timeout) ||
        parse_send_args(args + 2, AF_UNSPEC, &a) < 0)
        return NULL;
    if (PyObject_GetBuffer(args[1], &view, PyBUF_SIMPLE) < 0)
        return NULL;
    if (check_data_len(view.len, a.flags) < 0)
        goto fail;

    memset(&msg, 0, sizeof(msg));
    iov.iov_base = view.buf;
    iov.iov_len = (size_t)view.len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    aiosctp_build_send_cmsg(&msg, &cbuf, &a);

    n = send_one(fd, &msg, view.len, timeout);
    PyBuffer_Release(&view);
    if (n < 0)
        return NULL;
    return PyLong_FromSsize_t(n);

fail:
    PyBuffer_Release(&view);
    return NULL;
}

/* ---- receiving ---------------------------------------------------------------- */

/* The receive information as named tuples made once in C (PyStructSequence:
 * indexing and unpacking keep working as with the plain tuples before). The
 * types live in the module state (heap types: one per interpreter). */
static PyStructSequence_Field rcvinfo_fields[] = {
    {"stream", "stream identifier"},
    {"ssn", "stream sequence number (0 for unordered)"},
    {"flags", "SCTP_UNORDERED ..."},
    {"ppid", "payload protocol identifier, host order"},
    {"tsn", "transmission sequence number"},
    {"cumtsn", "cumulative TSN (SCTP_SNDRCV only; 0 from RCVINFO)"},
    {"context", "the receiver's SCTP_CONTEXT value"},
    {"assoc_id", "association id"},
    {NULL, NULL},
};

static PyStructSequence_Desc rcvinfo_desc = {
    "aiosctp._sctp.RcvInfo",
    "SCTP receive information of one message (SCTP_RCVINFO or SCTP_SNDRCV).",
    rcvinfo_fields, 8,
};

static PyStructSequence_Field nxtinfo_fields[] = {
    {"stream", "stream of the next message"},
    {"flags", "SCTP_UNORDERED, SCTP_COMPLETE, SCTP_NOTIFICATION"},
    {"ppid", "payload protocol identifier, host order"},
    {"length", "bytes of the next message received so far"},
    {"assoc_id", "association id"},
    {NULL, NULL},
};

static PyStructSequence_Desc nxtinfo_desc = {
    "aiosctp._sctp.NxtInfo",
    "SCTP_NXTINFO: what the next queued message is.",
    nxtinfo_fields, 5,
};

int
aiosctp_msgio_init_types(PyObject *m, aiosctp_state *st)
{
    st->rcvinfo_type = PyStructSequence_NewType(&rcvinfo_desc);
    if (st->rcvinfo_type == NULL)
        return -1;
    st->nxtinfo_type = PyStructSequence_NewType(&nxtinfo_desc);
    if (st->nxtinfo_type == NULL)
        return -1;
    if (PyModule_AddObjectRef(m, "RcvInfo", (PyObject *)st->rcvinfo_type) < 0 ||
        PyModule_AddObjectRef(m, "NxtInfo", (PyObject *)st->nxtinfo_type) < 0)
        return -1;
    return 0;
}

/* Fill a new struct sequence from n longs (each as a Python int). */
static PyObject *
make_info(PyTypeObject *type, const long long *v, int n)
{
    PyObject *res = PyStructSequence_New(type);
    int i;
    for (i = 0; res != NULL && i < n; i++) {
        PyObject *x = PyLong_FromLongLong(v[i]);
        if (x == NULL)
            Py_CLEAR(res);
        else
            PyStructSequence_SetItem(res, i, x);
    }
    return res;
}

/* RcvInfo from an SCTP_RCVINFO or SCTP_SNDRCV cmsg whose whole payload is
 * within the control data (checked by the caller); NULL without an
 * exception when the cmsg is of another type. */
struct cmsghdr *
aiosctp_next_sctp_cmsg(struct msghdr *msg, struct cmsghdr *prev, size_t *datalen)
{
    const char *end = (const char *)msg->msg_control + msg->msg_controllen;
    struct cmsghdr *cmsg;

    if (msg->msg_control == NULL)
        return NULL;
    for (cmsg = prev == NULL ? CMSG_FIRSTHDR(msg) : CMSG_NXTHDR(msg, prev);
         cmsg != NULL; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_len < CMSG_LEN(0) ||
            (size_t)(end - (const char *)cmsg) < cmsg->cmsg_len)
            return NULL; /* malformed or past the end: nothing more to trust */
        if (cmsg->cmsg_level == IPPROTO_SCTP) {
            *datalen = cmsg->cmsg_len -
                       (size_t)((const char *)CMSG_DATA(cmsg) - (const char *)cmsg);
            return cmsg;
        }
    }
    return NULL;
}

int
aiosctp_cmsg_rcvinfo(const struct cmsghdr *cmsg, size_t datalen,
                     struct sctp_rcvinfo *out)
{
    if (cmsg->cmsg_type == SCTP_RCVINFO && datalen >= sizeof(*out)) {
        memcpy(out, CMSG_DATA(cmsg), sizeof(*out));
        return 1;
    }
    if (cmsg->cmsg_type == SCTP_SNDRCV &&
        datalen >= sizeof(struct sctp_sndrcvinfo)) {
        struct sctp_sndrcvinfo si;
        memcpy(&si, CMSG_DATA(cmsg), sizeof(si));
        memset(out, 0, sizeof(*out));
        out->rcv_sid = si.sinfo_stream;
        out->rcv_ssn = si.sinfo_ssn;
        out->rcv_flags = si.sinfo_flags;
        out->rcv_ppid = si.sinfo_ppid;
        out->rcv_tsn = si.sinfo_tsn;
        out->rcv_cumtsn = si.sinfo_cumtsn;
        out->rcv_context = si.sinfo_context;
        out->rcv_assoc_id = si.sinfo_assoc_id;
        return 1;
    }
    return 0;
}

/* RcvInfo from a SCTP_RCVINFO or SCTP_SNDRCV cmsg (see
 * aiosctp_cmsg_rcvinfo); NULL without an exception when it carries none. */
static PyObject *
rcvinfo_new(aiosctp_state *st, const struct cmsghdr *cmsg, size_t datalen)
{
    struct sctp_rcvinfo ri;
    long long v[8];

    if (!aiosctp_cmsg_rcvinfo(cmsg, datalen, &ri))
        return NULL;
    v[0] = ri.rcv_sid; v[1] = ri.rcv_ssn; v[2] = ri.rcv_flags;
    v[3] = ntohl(ri.rcv_ppid); v[4] = ri.rcv_tsn; v[5] = ri.rcv_cumtsn;
    v[6] = ri.rcv_context; v[7] = ri.rcv_assoc_id;
    return make_info(st->rcvinfo_type, v, 8);
}

static PyObject *
nxtinfo_new(aiosctp_state *st, const struct cmsghdr *cmsg, size_t datalen)
{
    struct sctp_nxtinfo ni;
    long long v[5];
    if (datalen < sizeof(ni))
        return NULL;
    memcpy(&ni, CMSG_DATA(cmsg), sizeof(ni));
    v[0] = ni.nxt_sid; v[1] = ni.nxt_flags; v[2] = ntohl(ni.nxt_ppid);
    v[3] = ni.nxt_length; v[4] = ni.nxt_assoc_id;
    return make_info(st->nxtinfo_type, v, 5);
}

/* Walk the control data; set *info / *nxt to new objects (or leave NULL).
 * Every cmsg is checked against the end of the control data the kernel
 * filled: a cmsg cut by MSG_CTRUNC carries a shortened cmsg_len and is
 * skipped, never read past its end.  Returns -1 with an exception set on a
 * build failure. */
static int
walk_recv_cmsg(aiosctp_state *st, struct msghdr *msg, PyObject **info,
               PyObject **nxt)
{
    struct cmsghdr *cmsg = NULL;
    size_t datalen;

    while ((cmsg = aiosctp_next_sctp_cmsg(msg, cmsg, &datalen)) != NULL) {
        if ((cmsg->cmsg_type == SCTP_RCVINFO ||
             cmsg->cmsg_type == SCTP_SNDRCV) && *info == NULL) {
            *info = rcvinfo_new(st, cmsg, datalen);
            if (*info == NULL && PyErr_Occurred())
                return -1;
        }
        else if (cmsg->cmsg_type == SCTP_NXTINFO && *nxt == NULL) {
            *nxt = nxtinfo_new(st, cmsg, datalen);
            if (*nxt == NULL && PyErr_Occurred())
                return -1;
        }
    }
    return 0;
}

static Py_ssize_t
recvmsg_call(int fd, int nonblock, void *data)
{
    return recvmsg(fd, (struct msghdr *)data, nonblock ? MSG_DONTWAIT : 0);
}

/* Build (data, msg_flags, from_addr, info, nxtinfo) for one received
 * message.  Steals `data`.  MSG_CTRUNC stays in msg_flags: the control data
 * was cut (more cmsgs than even our headroom), and info is then None when
 * the receive information was lost with it, never zeros. */
static PyObject *
recv_result(aiosctp_state *st, PyObject *data, struct msghdr *msg)
{
    PyObject *info = NULL, *nxt = NULL, *addr, *flags, *res;

    if (walk_recv_cmsg(st, msg, &info, &nxt) < 0)
        goto fail;
    if (msg->msg_namelen > 0) {
        addr = aiosctp_make_sockaddr((struct sockaddr *)msg->msg_name,
                                     msg->msg_namelen);
        if (addr == NULL)
            goto fail;
    }
    else {
        addr = Py_NewRef(Py_None);
    }
    flags = PyLong_FromLong(msg->msg_flags);
    if (flags == NULL) {
        Py_DECREF(addr);
        goto fail;
    }
    res = PyTuple_New(5);
    if (res == NULL) {
        Py_DECREF(addr);
        Py_DECREF(flags);
        goto fail;
    }
    PyTuple_SET_ITEM(res, 0, data);
    PyTuple_SET_ITEM(res, 1, flags);
    PyTuple_SET_ITEM(res, 2, addr);
    PyTuple_SET_ITEM(res, 3, info ? info : Py_NewRef(Py_None));
    PyTuple_SET_ITEM(res, 4, nxt ? nxt : Py_NewRef(Py_None));
    return res;

fail:
    Py_DECREF(data);
    Py_XDECREF(info);
    Py_XDECREF(nxt);
    return NULL;
}

#define BUFSIZE_HINT \
    " (a larger message is read in parts: MSG_EOR marks the last)"

/* A receive buffer size: an int in 1..limit; OverflowError beyond what the
 * platform's sizes hold, ValueError beyond limit, both naming the bound. */
static int
conv_bufsize(PyObject *obj, Py_ssize_t limit, const char *what,
             const char *hint, Py_ssize_t *out)
{
    Py_ssize_t v;
    if (!PyLong_Check(obj) && !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer, not %.100s",
                     what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    v = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
    if (v == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_OverflowError, "%s is out of range 1..%zd",
                         what, limit);
        }
        return -1;
    }
    if (v < 1 || v > limit) {
        PyErr_Format(PyExc_ValueError, "%s must be 1..%zd, not %zd%s", what,
                     limit, v, hint);
        return -1;
    }
    *out = v;
    return 0;
}

PyDoc_STRVAR(recvmsg_doc,
"recvmsg(fd, bufsize, timeout) -> (data, msg_flags, from_addr, info, nxtinfo)\n"
"\n"
"Receive one message, or the part of it that fits in bufsize (1..2**28;\n"
"msg_flags lacks MSG_EOR then). With MSG_NOTIFICATION in msg_flags, data is\n"
"a raw notification for decode_notification(). info is an RcvInfo\n"
"(stream, ssn, flags, ppid, tsn, cumtsn, context, assoc_id) from\n"
"SCTP_RCVINFO or SCTP_SNDRCV, or None; nxtinfo is an NxtInfo (stream,\n"
"flags, ppid, length, assoc_id) or None. MSG_CTRUNC in msg_flags: the\n"
"control data was cut, info is None if it was lost. End of file on a\n"
"one-to-one socket gives b'' with msg_flags 0.");

static PyObject *
msgio_recvmsg(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int fd;
    Py_ssize_t bufsize, n;
    double timeout;
    PyObject *data;
    struct msghdr msg;
    struct iovec iov;
    struct sockaddr_storage from;
    recv_cmsg_t cbuf;

    if (aiosctp_check_nargs("recvmsg", nargs, 3, 3) < 0 ||
        !aiosctp_conv_fd(args[0], &fd) ||
        conv_bufsize(args[1], MAX_RECV_BUFSIZE, "bufsize", BUFSIZE_HINT,
                     &bufsize) < 0 ||
        !aiosctp_conv_timeout(args[2], &timeout))
        return NULL;

    data = PyBytes_FromStringAndSize(NULL, bufsize);
    if (data == NULL)
        return NULL;
    memset(&msg, 0, sizeof(msg));
    iov.iov_base = PyBytes_AS_STRING(data);
    iov.iov_len = (size_t)bufsize;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_control = cbuf.buf;
    msg.msg_controllen = sizeof(cbuf.buf);

    n = aiosctp_call(fd, 0, timeout, recvmsg_call, &msg, NULL);
    if (n < 0) {
        Py_DECREF(data);
        return NULL;
    }
    if (n != bufsize && _PyBytes_Resize(&data, n) < 0)
        return NULL;
    return recv_result(aiosctp_get_state(module), data, &msg);
}

PyObject *
aiosctp_recv_result(aiosctp_state *st, PyObject *data, struct msghdr *msg)
{
    return recv_result(st, data, msg);
}

size_t
aiosctp_recv_cmsg_space(void)
{
    return sizeof(recv_cmsg_t);
}

/* ---- batched I/O: recvmmsg / sendmmsg ------------------------------------- */

#define MAX_BATCH 64

PyDoc_STRVAR(recvmsgs_doc,
"recvmsgs(fd, bufsize, max_messages[, timeout]) -> list of recvmsg() tuples\n\n"
"Read up to max_messages (1..64) queued messages with one recvmmsg()\n"
"call: each keeps its boundaries and its own ancillary data;\n"
"bufsize * max_messages is at most 2**26 (64 MiB). Without\n"
"timeout (or 0.0) it does not wait (MSG_DONTWAIT) and raises\n"
"BlockingIOError when nothing is queued; with timeout < 0 (a blocking\n"
"socket) it waits for the first message and takes what else is queued\n"
"(MSG_WAITFORONE); with timeout > 0 it waits up to that long, then\n"
"raises TimeoutError.");

/* Nonblocking: take what is queued; blocking: wait for the first message
 * only, then take what else is queued. */
Py_ssize_t
aiosctp_recvmmsg_call(int fd, int nonblock, void *data)
{
    struct aiosctp_mmsg *c = data;
    return recvmmsg(fd, c->mm, c->count,
                    nonblock ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
}

Py_ssize_t
aiosctp_sendmmsg_call(int fd, int nonblock, void *data)
{
    struct aiosctp_mmsg *c = data;
    return sendmmsg(fd, c->mm, c->count,
                    MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
}

/* What one message of recvmsgs needs besides its mmsghdr (the mmsghdrs are
 * an array of their own: recvmmsg takes them so). */
struct recv_slot {
    struct iovec iov;
    struct sockaddr_storage from;
    recv_cmsg_t cbuf;
};

/* The messages land in one arena of max_messages * bufsize bytes, and each
 * is then copied into a bytes object of its own size.  Allocating a bytes
 * object of bufsize per slot (64 x 64 KiB = 4 MiB per call) and shrinking
 * each to its message made glibc's heap grow and trim on every call: ~6
 * brk() per call, 0.12 system calls per 64-byte message, more than the
 * recvmmsg itself.  One arena allocation settles after the first call
 * (glibc raises its mmap threshold to it) and the copy of a small message
 * costs less than the resize did. */
static PyObject *
msgio_recvmsgs(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    aiosctp_state *st = aiosctp_get_state(module);
    int fd, count, i;
    Py_ssize_t bufsize, max, r;
    double timeout = 0.0;
    struct mmsghdr *mm = NULL;
    struct recv_slot *slot = NULL;
    char *arena = NULL;
    PyObject *list = NULL;
    struct aiosctp_mmsg call;

    if (aiosctp_check_nargs("recvmsgs", nargs, 3, 4) < 0 ||
        !aiosctp_conv_fd(args[0], &fd) ||
        conv_bufsize(args[1], MAX_RECV_ARENA, "bufsize", BUFSIZE_HINT,
                     &bufsize) < 0 ||
        conv_bufsize(args[2], MAX_BATCH, "max_messages", "", &max) < 0)
        return NULL;
    if (bufsize > MAX_RECV_ARENA / max) {
        PyErr_Format(PyExc_ValueError,
                     "bufsize * max_messages must be at most %zd bytes "
                     "(%zd * %zd asked): read fewer messages per call",
                     MAX_RECV_ARENA, bufsize, max);
        return NULL;
    }
    if (nargs == 4 && !aiosctp_conv_timeout(args[3], &timeout))
        return NULL;
    count = (int)max;
    mm = PyMem_Calloc(count, sizeof(*mm));
    slot = PyMem_Calloc(count, sizeof(*slot));
    arena = PyMem_RawMalloc((size_t)count * (size_t)bufsize);
    if (!mm || !slot || !arena) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < count; i++) {
        struct msghdr *h = &mm[i].msg_hdr;
        slot[i].iov.iov_base = arena + (size_t)i * (size_t)bufsize;
        slot[i].iov.iov_len = (size_t)bufsize;
        h->msg_iov = &slot[i].iov;
        h->msg_iovlen = 1;
        h->msg_name = &slot[i].from;
        h->msg_namelen = sizeof(slot[i].from);
        h->msg_control = slot[i].cbuf.buf;
        h->msg_controllen = sizeof(slot[i].cbuf.buf);
    }
    call.mm = mm;
    call.count = (unsigned int)count;
    r = aiosctp_call(fd, 0, timeout, aiosctp_recvmmsg_call, &call, NULL);
    if (r < 0)
        goto done;
    list = PyList_New(r);
    if (list == NULL)
        goto done;
    for (i = 0; i < r; i++) {
        PyObject *data, *item;
        data = PyBytes_FromStringAndSize(slot[i].iov.iov_base,
                                         (Py_ssize_t)mm[i].msg_len);
        if (data == NULL) {
            Py_CLEAR(list);
            goto done;
        }
        item = recv_result(st, data, &mm[i].msg_hdr);
        if (item == NULL) {
            Py_CLEAR(list);
            goto done;
        }
        PyList_SET_ITEM(list, i, item);
    }

done:
    PyMem_RawFree(arena);
    PyMem_Free(slot);
    PyMem_Free(mm);
    return list;
}

/* What one message of sendmsgs needs besides its mmsghdr. */
struct send_slot {
    Py_buffer view;
    struct iovec iov;
    struct aiosctp_send_args sa;
    aiosctp_send_cmsg cbuf;
};

PyDoc_STRVAR(sendmsgs_doc,
"sendmsgs(fd, messages, timeout) -> int\n\n"
"Send several whole messages with sendmmsg(); each item is a tuple\n"
"(data, stream, ppid, flags, context, ttl, assoc_id, to). Returns how many\n"
"were sent (a prefix of the list); raises only if none could be sent.");

static PyObject *
msgio_sendmsgs(PyObject *Py_UNUSED(module), PyObject *const *args,
               Py_ssize_t nargs)
{
    int fd, count = 0, i, err;
    double timeout;
    Py_ssize_t r;
    PyObject *seq = NULL, *result = NULL;
    struct aiosctp_mmsg call;
    struct mmsghdr *mm = NULL;
    struct send_slot *slot = NULL;
    int nviews = 0;
    Py_ssize_t n;

    if (aiosctp_check_nargs("sendmsgs", nargs, 3, 3) < 0 ||
        !aiosctp_conv_fd(args[0], &fd) ||
        !aiosctp_conv_timeout(args[2], &timeout))
        return NULL;
    /* A tuple copy holds every message strongly: parsing one can run Python
     * code (__index__) that empties the caller's list. */
    seq = PySequence_Tuple(args[1]);
    if (seq == NULL)
        return NULL;
    n = PyTuple_GET_SIZE(seq);
    if (n == 0) {
        result = PyLong_FromLong(0);
        goto done;
    }
    if (n > 1024) {
        PyErr_SetString(PyExc_ValueError, "at most 1024 messages per call");
        goto done;
    }
    count = (int)n;
    mm = PyMem_Calloc(count, sizeof(*mm));
    slot = PyMem_Calloc(count, sizeof(*slot));
    if (!mm || !slot) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < count; i++) {
        PyObject *item = PyTuple_GET_ITEM(seq, i);
        struct send_slot *x = &slot[i];
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 8) {
            PyErr_SetString(PyExc_TypeError,
                            "each message is a tuple (data, stream, ppid, "
                            "flags, context, ttl, assoc_id, to)");
            goto done;
        }
        if (parse_send_args(&PyTuple_GET_ITEM(item, 1), AF_UNSPEC,
                            &x->sa) < 0)
            goto done;
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(item, 0), &x->view,
                               PyBUF_SIMPLE) < 0)
            goto done;
        nviews++;
        if (check_data_len(x->view.len, x->sa.flags) < 0)
            goto done;
        x->iov.iov_base = x->view.buf;
        x->iov.iov_len = (size_t)x->view.len;
        mm[i].msg_hdr.msg_iov = &x->iov;
        mm[i].msg_hdr.msg_iovlen = 1;
        aiosctp_build_send_cmsg(&mm[i].msg_hdr, &x->cbuf, &x->sa);
    }
    call.mm = mm;
    call.count = (unsigned int)count;
    r = aiosctp_call(fd, 1, timeout, aiosctp_sendmmsg_call, &call, &err);
    if (r < 0) {
        if (err != 0)
            set_send_error(fd, err, slot[0].view.len);
        goto done;
    }
    result = PyLong_FromSsize_t(r);

done:
    for (i = 0; i < nviews; i++)
        PyBuffer_Release(&slot[i].view);
    PyMem_Free(slot);
    PyMem_Free(mm);
    Py_DECREF(seq);
    return result;
}

/* ---- notifications --------------------------------------------------------------- */

/* Each decoder gets the notification bytes (len already bounded by the
 * header's sn_length) and returns a tuple whose first item is the type.
 * A notification shorter than its fixed part returns (type, None) so the
 * Python layer can wrap it as Unknown with its raw bytes. */

#define FIXED(type_, var)                                                 \
    type_ var;                                                            \
    if (len < sizeof(type_))                                              \
        return truncated(buf);                                            \
    memcpy(&var, buf, sizeof(type_))

static PyObject *
truncated(const char *buf)
{
    uint16_t type;
    memcpy(&type, buf, sizeof(type));
    return Py_BuildValue("(HO)", type, Py_None);
}

static PyObject *
bytes_after(const char *buf, size_t len, size_t off)
{
    return PyBytes_FromStringAndSize(buf + off,
                                     len > off ? (Py_ssize_t)(len - off) : 0);
}

/* (type, flags, state, error, outbound, inbound, assoc_id, info).
 * Linux fills sac_error with an SCTP error cause code as it came off the
 * wire (network order): give the caller the cause code's value. */
static PyObject *
dec_assoc_change(const char *buf, size_t len)
{
    FIXED(struct sctp_assoc_change, n);
    return Py_BuildValue("(HHHHHHiN)", n.sac_type, n.sac_flags, n.sac_state,
                         ntohs(n.sac_error), n.sac_outbound_streams,
                         n.sac_inbound_streams, (int)n.sac_assoc_id,
                         bytes_after(buf, len, sizeof(n)));
}

/* (type, flags, address, state, error, assoc_id) */
static PyObject *
dec_paddr_change(const char *buf, size_t len)
{
    PyObject *addr;
    FIXED(struct sctp_paddr_change, n);
    addr = aiosctp_make_sockaddr((struct sockaddr *)&n.spc_aaddr,
                                 sizeof(n.spc_aaddr));
    if (addr == NULL)
        return NULL;
    return Py_BuildValue("(HHNiii)", n.spc_type, n.spc_flags, addr,
                         n.spc_state, n.spc_error, (int)n.spc_assoc_id);
}

/* (type, flags, error, assoc_id, data) — error is the cause code */
static PyObject *
dec_remote_error(const char *buf, size_t len)
{
    FIXED(struct sctp_remote_error, n);
    return Py_BuildValue("(HHHiN)", n.sre_type, n.sre_flags,
                         ntohs(n.sre_error), (int)n.sre_assoc_id,
                         bytes_after(buf, len, sizeof(n)));
}

/* Linux fills ssf_error with the SCTP error cause code of an ABORT as it came
 * off the wire (a __be16 in a 32-bit field: cause 12 reads 3072 on a
 * little-endian host), as it does sac_error: give the cause code's value.
 * Every value the kernel puts there is such a cause code or 0; one with
 * high bits set is passed on as it is. */
static unsigned long
send_failed_error(uint32_t error)
{
    if (error > 0xFFFF)
        return error;
    return ntohs((uint16_t)error);
}

/* (type, flags, error, (stream, flags, ppid, context, assoc_id), assoc_id,
 *  data) for both SCTP_SEND_FAILED and SCTP_SEND_FAILED_EVENT: the same
 * header (type, flags, length, error) then the unsent message's
 * information (si) and assoc_id; the data follows the fixed part. */
static PyObject *
send_failed_tuple(const char *buf, size_t len, size_t fixed, uint32_t error,
                  const struct sctp_sndinfo *si, sctp_assoc_t assoc_id)
{
    uint16_t type, flags;
    memcpy(&type, buf, sizeof(type));
    memcpy(&flags, buf + sizeof(type), sizeof(flags));
    return Py_BuildValue(
        "(HHk(HHkki)iN)", type, flags, send_failed_error(error),
        si->snd_sid, si->snd_flags, (unsigned long)ntohl(si->snd_ppid),
        (unsigned long)si->snd_context, (int)si->snd_assoc_id,
        (int)assoc_id, bytes_after(buf, len, fixed));
}

static PyObject *
dec_send_failed(const char *buf, size_t len)
{
    struct sctp_sndinfo si;
    FIXED(struct sctp_send_failed, n);
    memset(&si, 0, sizeof(si));
    si.snd_sid = n.ssf_info.sinfo_stream;
    si.snd_flags = n.ssf_info.sinfo_flags;
    si.snd_ppid = n.ssf_info.sinfo_ppid;
    si.snd_context = n.ssf_info.sinfo_context;
    si.snd_assoc_id = n.ssf_info.sinfo_assoc_id;
    return send_failed_tuple(buf, len, sizeof(n), n.ssf_error, &si,
                             n.ssf_assoc_id);
}

#ifdef HAVE_SCTP_SEND_FAILED_EVENT
static PyObject *
dec_send_failed_event(const char *buf, size_t len)
{
    FIXED(struct sctp_send_failed_event, n);
    return send_failed_tuple(buf, len, sizeof(n), n.ssf_error, &n.ssfe_info,
                             n.ssf_assoc_id);
}
#endif /* HAVE_SCTP_SEND_FAILED_EVENT */

/* (type, flags, assoc_id) of SCTP_SHUTDOWN_EVENT and SCTP_SENDER_DRY_EVENT:
 * both are the header (type, flags, length) and an assoc_id, nothing else. */
_Static_assert(sizeof(struct sctp_sender_dry_event) ==
                   sizeof(struct sctp_shutdown_event) &&
               offsetof(struct sctp_sender_dry_event, sender_dry_assoc_id) ==
                   offsetof(struct sctp_shutdown_event, sse_assoc_id),
               "sctp_sender_dry_event is laid out as sctp_shutdown_event");

static PyObject *
dec_assoc_only(const char *buf, size_t len)
{
    FIXED(struct sctp_shutdown_event, n);
    return Py_BuildValue("(HHi)", n.sse_type, n.sse_flags,
                         (int)n.sse_assoc_id);
}

/* (type, flags, adaptation_ind, assoc_id) */
static PyObject *
dec_adaptation(const char *buf, size_t len)
{
    FIXED(struct sctp_adaptation_event, n);
    return Py_BuildValue("(HHIi)", n.sai_type, n.sai_flags,
                         n.sai_adaptation_ind, (int)n.sai_assoc_id);
}

/* (type, flags, indication, stream, seq, assoc_id) */
static PyObject *
dec_pdapi(const char *buf, size_t len)
{
    FIXED(struct sctp_pdapi_event, n);
    return Py_BuildValue("(HHIIIi)", n.pdapi_type, n.pdapi_flags,
                         n.pdapi_indication, n.pdapi_stream, n.pdapi_seq,
                         (int)n.pdapi_assoc_id);
}

/* (type, flags, keynumber, altkeynumber, indication, assoc_id) */
static PyObject *
dec_authkey(const char *buf, size_t len)
{
    FIXED(struct sctp_authkey_event, n);
    return Py_BuildValue("(HHHHIi)", n.auth_type, n.auth_flags,
                         n.auth_keynumber, n.auth_altkeynumber,
                         n.auth_indication, (int)n.auth_assoc_id);
}

/* (type, flags, assoc_id, [streams]) */
static PyObject *
dec_stream_reset(const char *buf, size_t len)
{
    PyObject *list;
    FIXED(struct sctp_stream_reset_event, n);
    list = aiosctp_int_list(buf + sizeof(n), (len - sizeof(n)) / sizeof(uint16_t),
                            sizeof(uint16_t), 0);
    if (list == NULL)
        return NULL;
    return Py_BuildValue("(HHiN)", n.strreset_type, n.strreset_flags,
                         (int)n.strreset_assoc_id, list);
}

/* (type, flags, assoc_id, local_tsn, remote_tsn) */
static PyObject *
dec_assoc_reset(const char *buf, size_t len)
{
    FIXED(struct sctp_assoc_reset_event, n);
    return Py_BuildValue("(HHiII)", n.assocreset_type, n.assocreset_flags,
                         (int)n.assocreset_assoc_id, n.assocreset_local_tsn,
                         n.assocreset_remote_tsn);
}

/* (type, flags, assoc_id, instreams, outstreams) */
static PyObject *
dec_stream_change(const char *buf, size_t len)
{
    FIXED(struct sctp_stream_change_event, n);
    return Py_BuildValue("(HHiHH)", n.strchange_type, n.strchange_flags,
                         (int)n.strchange_assoc_id, n.strchange_instrms,
                         n.strchange_outstrms);
}

static PyObject *
decode_notification(const char *buf, size_t len)
{
    uint16_t type;
    uint32_t declared;

    if (len < sizeof(type))
        return Py_BuildValue("(iO)", -1, Py_None);
    memcpy(&type, buf, sizeof(type));
    if (len < 8)
        return truncated(buf);
    memcpy(&declared, buf + 4, sizeof(declared));
    /* Trust neither alone: read no further than both allow. */
    if (declared < len)
        len = declared;
    switch (type) {
    case SCTP_ASSOC_CHANGE: return dec_assoc_change(buf, len);
    case SCTP_PEER_ADDR_CHANGE: return dec_paddr_change(buf, len);
    case SCTP_REMOTE_ERROR: return dec_remote_error(buf, len);
    case SCTP_SEND_FAILED: return dec_send_failed(buf, len);
#ifdef HAVE_SCTP_SEND_FAILED_EVENT
    case SCTP_SEND_FAILED_EVENT: return dec_send_failed_event(buf, len);
#endif
    case SCTP_SHUTDOWN_EVENT: return dec_assoc_only(buf, len);
    case SCTP_ADAPTATION_INDICATION: return dec_adaptation(buf, len);
    case SCTP_PARTIAL_DELIVERY_EVENT: return dec_pdapi(buf, len);
    case SCTP_AUTHENTICATION_EVENT: return dec_authkey(buf, len);
    case SCTP_SENDER_DRY_EVENT: return dec_assoc_only(buf, len);
    case SCTP_STREAM_RESET_EVENT: return dec_stream_reset(buf, len);
    case SCTP_ASSOC_RESET_EVENT: return dec_assoc_reset(buf, len);
    case SCTP_STREAM_CHANGE_EVENT: return dec_stream_change(buf, len);
    default: return truncated(buf); /* unknown: (type, None) */
    }
}

PyDoc_STRVAR(decode_notification_doc,
"decode_notification(buf) -> tuple\n\n"
"Decode one SCTP notification. Returns (type, field, ...) with the fields\n"
"documented in _sctp.pyi, or (type, None) for an unknown type or a\n"
"notification shorter than its fixed part ((-1, None) below 2 bytes).");

static PyObject *
msgio_decode_notification(PyObject *Py_UNUSED(module), PyObject *arg)
{
    Py_buffer view;
    PyObject *res;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    res = decode_notification(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return res;
}

PyMethodDef aiosctp_msgio_methods[] = {
    AIOSCTP_FASTCALL("sendmsg", msgio_sendmsg, sendmsg_doc),
    AIOSCTP_FASTCALL("recvmsg", msgio_recvmsg, recvmsg_doc),
    AIOSCTP_FASTCALL("sendmsgs", msgio_sendmsgs, sendmsgs_doc),
    AIOSCTP_FASTCALL("recvmsgs", msgio_recvmsgs, recvmsgs_doc),
    {"decode_notification", msgio_decode_notification, METH_O,
     decode_notification_doc},
    {NULL, NULL, 0, NULL},
};

const aiosctp_int_const aiosctp_msgio_constants[] = {
    AIOSCTP_CONST(MSG_NOTIFICATION),
    AIOSCTP_CONST(MSG_EOR),
    AIOSCTP_CONST(MSG_CTRUNC),
    AIOSCTP_CONST(MSG_TRUNC),
    AIOSCTP_CONST(SCTP_UNORDERED),
    AIOSCTP_CONST(SCTP_ADDR_OVER),
    AIOSCTP_CONST(SCTP_ABORT),
    AIOSCTP_CONST(SCTP_SACK_IMMEDIATELY),
    AIOSCTP_CONST(SCTP_SENDALL),
    AIOSCTP_CONST(SCTP_EOF),
    AIOSCTP_CONST(SCTP_NOTIFICATION),
    AIOSCTP_CONST(SCTP_SNDINFO),
    AIOSCTP_CONST(SCTP_RCVINFO),
    AIOSCTP_CONST(SCTP_NXTINFO),
    AIOSCTP_CONST(SCTP_PRINFO),
    AIOSCTP_CONST(SCTP_SNDRCV),
    AIOSCTP_CONST(SCTP_PR_SCTP_NONE),
    AIOSCTP_CONST(SCTP_PR_SCTP_TTL),
#ifdef HAVE_SCTP_DATA_IO_EVENT
    AIOSCTP_CONST(SCTP_DATA_IO_EVENT),
#endif
    AIOSCTP_CONST(SCTP_ASSOC_CHANGE),
    AIOSCTP_CONST(SCTP_PEER_ADDR_CHANGE),
    AIOSCTP_CONST(SCTP_SEND_FAILED),
    AIOSCTP_CONST(SCTP_REMOTE_ERROR),
    AIOSCTP_CONST(SCTP_SHUTDOWN_EVENT),
    AIOSCTP_CONST(SCTP_PARTIAL_DELIVERY_EVENT),
    AIOSCTP_CONST(SCTP_ADAPTATION_INDICATION),
    AIOSCTP_CONST(SCTP_AUTHENTICATION_EVENT),
    AIOSCTP_CONST(SCTP_SENDER_DRY_EVENT),
    AIOSCTP_CONST(SCTP_STREAM_RESET_EVENT),
    AIOSCTP_CONST(SCTP_ASSOC_RESET_EVENT),
    AIOSCTP_CONST(SCTP_STREAM_CHANGE_EVENT),
#ifdef HAVE_SCTP_SEND_FAILED_EVENT
    AIOSCTP_CONST(SCTP_SEND_FAILED_EVENT),
#endif
    AIOSCTP_CONST(SCTP_COMM_UP),
    AIOSCTP_CONST(SCTP_COMM_LOST),
    AIOSCTP_CONST(SCTP_RESTART),
    AIOSCTP_CONST(SCTP_SHUTDOWN_COMP),
    AIOSCTP_CONST(SCTP_CANT_STR_ASSOC),
    AIOSCTP_CONST(SCTP_ADDR_AVAILABLE),
    AIOSCTP_CONST(SCTP_ADDR_UNREACHABLE),
    AIOSCTP_CONST(SCTP_ADDR_REMOVED),
    AIOSCTP_CONST(SCTP_ADDR_ADDED),
    AIOSCTP_CONST(SCTP_ADDR_MADE_PRIM),
    AIOSCTP_CONST(SCTP_ADDR_CONFIRMED),
#ifdef HAVE_SCTP_ADDR_POTENTIALLY_FAILED
    AIOSCTP_CONST(SCTP_ADDR_POTENTIALLY_FAILED),
#endif
    AIOSCTP_CONST(SCTP_DATA_UNSENT),
    AIOSCTP_CONST(SCTP_DATA_SENT),
    AIOSCTP_CONST(SCTP_PARTIAL_DELIVERY_ABORTED),
    AIOSCTP_CONST(SCTP_AUTH_NEW_KEY),
    AIOSCTP_CONST(SCTP_AUTH_FREE_KEY),
    AIOSCTP_CONST(SCTP_AUTH_NO_AUTH),
    AIOSCTP_CONST(SCTP_STREAM_RESET_INCOMING_SSN),
    AIOSCTP_CONST(SCTP_STREAM_RESET_OUTGOING_SSN),
    AIOSCTP_CONST(SCTP_STREAM_RESET_DENIED),
    AIOSCTP_CONST(SCTP_STREAM_RESET_FAILED),
    AIOSCTP_CONST(SCTP_ASSOC_RESET_DENIED),
    AIOSCTP_CONST(SCTP_ASSOC_RESET_FAILED),
#ifdef HAVE_SCTP_STREAM_CHANGE_DENIED
    AIOSCTP_CONST(SCTP_STREAM_CHANGE_DENIED),
    AIOSCTP_CONST(SCTP_STREAM_CHANGE_FAILED),
#endif
    {NULL, 0},
};
