/* aiosctp._sctp: the asyncio transport's per-message receive path in C.
 *
 * InfoBase: the C layout of aiosctp.message.MessageInfo (a frozen dataclass
 * subclassing it, so equality, hash, repr, replace and pickling stay the
 * dataclass's): seven object slots filled here without a dict.
 *
 * Reader: one per socket the transport reads for itself.  deliver() reads a
 * batch with one recvmmsg() into an arena kept between calls, and hands each
 * whole data message straight to its stream handler or the protocol's
 * message_received, checking the transport after each call (paused, closed).
 * It stops at the first message it does not handle (a notification, a part
 * of a larger message, MSG_CTRUNC or a message without receive information,
 * end of file, a message over max_message_size): that one and what follows
 * go back to Python as recvmsgs() tuples, in order.  A callback's exception
 * stops the batch too and goes back to Python with the rest. */
#include "aiosctp.h"

#include <structmember.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FP_MAX_BATCH 64

/* ---- InfoBase -------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *stream;
    PyObject *ppid;
    PyObject *unordered;
    PyObject *context;
    PyObject *tsn;
    PyObject *ssn;
    PyObject *assoc_id;
    PyObject *info_lost;    /* True: the kernel cut the receive info (MSG_CTRUNC) */
} InfoObject;

static void
info_dealloc(PyObject *self)
{
    InfoObject *o = (InfoObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    Py_XDECREF(o->stream);
    Py_XDECREF(o->ppid);
    Py_XDECREF(o->unordered);
    Py_XDECREF(o->context);
    Py_XDECREF(o->tsn);
    Py_XDECREF(o->ssn);
    Py_XDECREF(o->assoc_id);
    Py_XDECREF(o->info_lost);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyMemberDef info_members[] = {
    {"stream", T_OBJECT_EX, offsetof(InfoObject, stream), 0, NULL},
    {"ppid", T_OBJECT_EX, offsetof(InfoObject, ppid), 0, NULL},
    {"unordered", T_OBJECT_EX, offsetof(InfoObject, unordered), 0, NULL},
    {"context", T_OBJECT_EX, offsetof(InfoObject, context), 0, NULL},
    {"tsn", T_OBJECT_EX, offsetof(InfoObject, tsn), 0, NULL},
    {"ssn", T_OBJECT_EX, offsetof(InfoObject, ssn), 0, NULL},
    {"assoc_id", T_OBJECT_EX, offsetof(InfoObject, assoc_id), 0, NULL},
    {"info_lost", T_OBJECT_EX, offsetof(InfoObject, info_lost), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot info_slots[] = {
    {Py_tp_dealloc, info_dealloc},
    {Py_tp_members, info_members},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_doc, "The C layout of aiosctp.message.MessageInfo (use that)."},
    {0, NULL},
};

static PyType_Spec info_spec = {
    .name = "aiosctp._sctp.InfoBase",
    .basicsize = sizeof(InfoObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = info_slots,
};

/* An instance of cls (InfoBase or a subclass without a dict) with the
 * receive information: *spare when not NULL (an instance no one else
 * holds, taken), else a new one; NULL with an exception set. */
static PyObject *
info_build(PyTypeObject *cls, PyObject **spare, unsigned long stream,
           unsigned long ppid, int unordered, unsigned long context,
           unsigned long tsn, unsigned long ssn, long assoc_id)
{
    InfoObject *o;
    PyObject *v[6];
    int k;

    v[0] = PyLong_FromUnsignedLong(stream);
    v[1] = PyLong_FromUnsignedLong(ppid);
    v[2] = PyLong_FromUnsignedLong(context);
    v[3] = PyLong_FromUnsignedLong(tsn);
    v[4] = PyLong_FromUnsignedLong(ssn);
    v[5] = PyLong_FromLong(assoc_id);
    for (k = 0; k < 6; k++)
        if (v[k] == NULL)
            goto fail;
    if (spare != NULL && *spare != NULL) {
        o = (InfoObject *)*spare;
        *spare = NULL;
    }
    else if ((o = (InfoObject *)cls->tp_alloc(cls, 0)) == NULL)
        goto fail;
    Py_XSETREF(o->stream, v[0]);
    Py_XSETREF(o->ppid, v[1]);
    Py_XSETREF(o->context, v[2]);
    Py_XSETREF(o->tsn, v[3]);
    Py_XSETREF(o->ssn, v[4]);
    Py_XSETREF(o->assoc_id, v[5]);
    Py_XSETREF(o->unordered, Py_NewRef(unordered ? Py_True : Py_False));
    Py_XSETREF(o->info_lost, Py_NewRef(Py_False));
    return (PyObject *)o;
fail:
    for (k = 0; k < 6; k++)
        Py_XDECREF(v[k]);
    return NULL;
}

static int
check_info_class(PyObject *cls, PyObject *base)
{
    if (!PyType_Check(cls) ||
        !PyType_IsSubtype((PyTypeObject *)cls, (PyTypeObject *)base) ||
        ((PyTypeObject *)cls)->tp_basicsize != (Py_ssize_t)sizeof(InfoObject)) {
        PyErr_SetString(PyExc_TypeError,
                        "info_class must be InfoBase or a subclass of it "
                        "with __slots__ = ()");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(new_info_doc,
"new_info(cls, stream, ppid, unordered, context, tsn, ssn, assoc_id[, info_lost]) -> cls\n\n"
"An instance of cls (a subclass of InfoBase with __slots__ = ()) with\n"
"these fields, made without calling its __init__.");

static PyObject *
fp_new_info(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *base = PyObject_GetAttrString(module, "InfoBase");
    InfoObject *o;
    PyObject **slot;
    Py_ssize_t i;

    if (base == NULL)
        return NULL;
    if (nargs != 8 && nargs != 9) {
        Py_DECREF(base);
        PyErr_Format(PyExc_TypeError,
                     "new_info() takes 8 or 9 arguments (%zd given)", nargs);
        return NULL;
    }
    if (check_info_class(args[0], base) < 0) {
        Py_DECREF(base);
        return NULL;
    }
    Py_DECREF(base);
    o = (InfoObject *)((PyTypeObject *)args[0])->tp_alloc(
        (PyTypeObject *)args[0], 0);
    if (o == NULL)
        return NULL;
    slot = &o->stream;
    for (i = 0; i < 7; i++)
        slot[i] = Py_NewRef(args[1 + i]);
    o->info_lost = Py_NewRef(nargs == 9 ? args[8] : Py_False);
    return (PyObject *)o;
}

/* ---- the transport's slots ------------------------------------------------ */

/* SCTPTransport (aiosctp/transport.py) keeps its state in __slots__; once
 * bound (bind_transport), the C paths read and write those slots directly
 * at their offsets, as the class's member descriptors give them, instead
 * of a getattr each (send() and the Reader, per message).  TransportBase
 * has no fields of its own (its layout is object's, so SCTPTransport can
 * also derive from asyncio.Transport) and only the send() method. */
enum {
    TS_STATE, TS_PEER_SHUTDOWN, TS_BUFFER, TS_CREDIT, TS_FD, TS_ASSOC_ID,
    TS_OSTREAMS, TS_SNDBUF, TS_HIGH_WATER, TS_READING_PAUSED,
    TS_ON_MESSAGE, TS_HANDLERS, TS_MAX_SIZE, TS_RX, TS_PARTIAL, TS_STARTED,
    TS_SNDINFO, TS_COUNT
};

static const char *const ts_names[TS_COUNT] = {
    "_state", "_peer_shutdown", "_buffer", "_credit", "_fd", "_assoc_id",
    "_ostreams", "_sndbuf", "_high_water", "_reading_paused",
    "_on_message", "_stream_handlers", "_max_message_size", "_rx", "_partial",
    "_started", "_sndinfo",
};

static struct {
    PyTypeObject *cls;          /* the bound transport class (strong) */
    PyTypeObject *credit_cls;   /* its _SendCredit (strong) */
    PyTypeObject *queue_cls;    /* SendQueue (strong) */
    Py_ssize_t off[TS_COUNT];
    Py_ssize_t left_off;        /* _SendCredit.left */
    PyObject *name[TS_COUNT];   /* the names, interned */
    PyObject *send_slow, *maybe_pause, *zero, *left_name, *reading_name, *cut_name;
    PyObject *kw[5];            /* stream, ppid, unordered, context, ttl */
} tb;

/* The offset of cls's __slots__ member name: >= 0, or -1 with TypeError. */
static Py_ssize_t
slot_offset(PyTypeObject *cls, PyObject *name)
{
    PyObject *d = PyObject_GetAttr((PyObject *)cls, name);
    Py_ssize_t off = -1;
    if (d == NULL)
        return -1;
    /* __slots__ members are object members that raise when unset */
    if (Py_IS_TYPE(d, &PyMemberDescr_Type) &&
        ((PyMemberDescrObject *)d)->d_member->type == T_OBJECT_EX &&
        !(((PyMemberDescrObject *)d)->d_member->flags & READONLY))
        off = ((PyMemberDescrObject *)d)->d_member->offset;
    else
        PyErr_Format(PyExc_TypeError, "%.100s.%U is not a __slots__ member",
                     cls->tp_name, name);
    Py_DECREF(d);
    return off;
}

/* The slot k of t (borrowed), or NULL when t is not of the bound class or
 * the slot is unset (nothing raised: the caller takes the getattr path). */
static inline PyObject *
tslot(PyObject *t, int k)
{
    if (tb.cls == NULL || !PyObject_TypeCheck(t, tb.cls))
        return NULL;
    return *(PyObject **)((char *)t + tb.off[k]);
}

/* getattr(t, the name of slot k): a new reference, or NULL with an
 * exception set. */
static PyObject *
tattr(PyObject *t, int k)
{
    PyObject *v = tslot(t, k);
    if (v != NULL)
        return Py_NewRef(v);
    return PyObject_GetAttr(t, tb.name[k]);
}

/* An exact int slot of self that fits a Py_ssize_t: 1 (*out), else 0. */
static int
tslot_ssize(PyObject *self, int k, Py_ssize_t *out)
{
    PyObject *v = *(PyObject **)((char *)self + tb.off[k]);
    if (v == NULL || !PyLong_CheckExact(v))
        return 0;
    *out = PyLong_AsSsize_t(v);
    if (*out == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* Store v (a new reference; NULL: fail) into slot off of o: 0, or -1. */
static int
set_slot(PyObject *o, Py_ssize_t off, PyObject *v)
{
    if (v == NULL)
        return -1;
    Py_XSETREF(*(PyObject **)((char *)o + off), v);
    return 0;
}

/* ---- Reader ---------------------------------------------------------------- */

/* The buffers of one recvmmsg of up to FP_MAX_BATCH messages: headers,
 * addresses, control data and the message arena, in one allocation.  One
 * is kept for the whole process and lent to the Reader that reads (a
 * server with thousands of one-to-one associations must not hold
 * thousands of 4 MiB arenas); a second reader reading at the same time
 * (another thread, while the GIL is released) gets one of its own.  From
 * the C library's malloc: a fixed buffer of the process (its pages touched
 * only as far as messages fill them), kept out of tracemalloc's count of
 * Python objects, where the benchmarks' "Python memory per association"
 * would otherwise charge its 4 MiB of address space to the associations. */
struct fp_block {
    size_t bufsize, cspace;
    struct mmsghdr mm[FP_MAX_BATCH];
    struct iovec iov[FP_MAX_BATCH];
    struct sockaddr_storage from[FP_MAX_BATCH];
    char *control;          /* FP_MAX_BATCH x cspace, after this struct */
    char *data;             /* FP_MAX_BATCH x bufsize, after the control */
};

static struct fp_block *fp_cached_block; /* exchanged atomically */

static struct fp_block *
block_take(size_t bufsize, size_t cspace)
{
    struct fp_block *b = __atomic_exchange_n(&fp_cached_block, NULL,
                                             __ATOMIC_ACQ_REL);
    if (b != NULL && (b->bufsize != bufsize || b->cspace != cspace)) {
        free(b);
        b = NULL;
    }
    if (b == NULL) {
        size_t head = (sizeof(*b) + 63) & ~(size_t)63;
        size_t ctl = ((size_t)FP_MAX_BATCH * cspace + 63) & ~(size_t)63;
        char *mem = malloc(head + ctl + (size_t)FP_MAX_BATCH * bufsize);
        if (mem == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        b = (struct fp_block *)mem;
        b->bufsize = bufsize;
        b->cspace = cspace;
        b->control = mem + head;
        b->data = mem + head + ctl;
    }
    return b;
}

static void
block_put(struct fp_block *b)
{
    struct fp_block *old = __atomic_exchange_n(&fp_cached_block, b,
                                               __ATOMIC_ACQ_REL);
    if (old != NULL)
        free(old);
}

typedef struct {
    PyObject_HEAD
    int fd;
    int whole;              /* every read is a whole message (unix socket) */
    Py_ssize_t bufsize;
    size_t cspace;          /* control bytes per slot */
    PyObject *module;       /* for the info types of the rest */
    PyTypeObject *info_class;
    struct fp_block *b;     /* the buffers, held during a call only */
    PyObject *spare;        /* an info no callback kept, during a call only */
    int busy;               /* inside deliver(): a callback may not re-enter */
} ReaderObject;

static int
reader_traverse(PyObject *self, visitproc visit, void *arg)
{
    ReaderObject *r = (ReaderObject *)self;
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(r->module);
    Py_VISIT(r->info_class);
    return 0;
}

static int
reader_clear(PyObject *self)
{
    ReaderObject *r = (ReaderObject *)self;
    Py_CLEAR(r->module);
    Py_CLEAR(r->info_class);
    return 0;
}

static void
reader_dealloc(PyObject *self)
{
    ReaderObject *r = (ReaderObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    reader_clear(self);
    if (r->b != NULL)
        free(r->b);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *
reader_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fd", "bufsize", "info_class", "whole", NULL};
    PyObject *module, *base, *info_class;
    ReaderObject *r;
    int fd, whole = 0;
    Py_ssize_t bufsize;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O&nO|p:Reader", kwlist,
                                     aiosctp_conv_fd, &fd, &bufsize,
                                     &info_class, &whole))
        return NULL;
    if (bufsize < 1 || bufsize > ((Py_ssize_t)1 << 26) / FP_MAX_BATCH) {
        PyErr_Format(PyExc_ValueError, "bufsize must be in 1..%zd, not %zd",
                     ((Py_ssize_t)1 << 26) / FP_MAX_BATCH, bufsize);
        return NULL;
    }
    module = PyType_GetModule(type);
    if (module == NULL)
        return NULL;
    base = PyObject_GetAttrString(module, "InfoBase");
    if (base == NULL)
        return NULL;
    if (check_info_class(info_class, base) < 0) {
        Py_DECREF(base);
        return NULL;
    }
    Py_DECREF(base);
    r = (ReaderObject *)type->tp_alloc(type, 0);
    if (r == NULL)
        return NULL;
    r->fd = fd;
    r->whole = whole;
    r->bufsize = bufsize;
    r->cspace = aiosctp_recv_cmsg_space();
    r->module = Py_NewRef(module);
    r->info_class = (PyTypeObject *)Py_NewRef(info_class);
    return (PyObject *)r;
}

/* The receive information of msg (SCTP_RCVINFO or SCTP_SNDRCV), every cmsg
 * bounds-checked (aiosctp_next_sctp_cmsg): 1 found, 0 not. */
static int
find_rcvinfo(struct msghdr *msg, struct sctp_rcvinfo *out)
{
    struct cmsghdr *cmsg = NULL;
    size_t datalen;

    while ((cmsg = aiosctp_next_sctp_cmsg(msg, cmsg, &datalen)) != NULL)
        if (aiosctp_cmsg_rcvinfo(cmsg, datalen, out))
            return 1;
    return 0;
}

/* One nonblocking recvmmsg of up to batch messages into the arena: their
 * count (and *nbytes), or -1 with an exception set. */
static Py_ssize_t
reader_read(ReaderObject *r, Py_ssize_t batch, Py_ssize_t *nbytes)
{
    struct aiosctp_mmsg call;
    Py_ssize_t i, n;

    for (i = 0; i < batch; i++) {
        r->b->iov[i].iov_base = r->b->data + (size_t)i * (size_t)r->bufsize;
        r->b->iov[i].iov_len = (size_t)r->bufsize;
        r->b->mm[i].msg_hdr.msg_iov = &r->b->iov[i];
        r->b->mm[i].msg_hdr.msg_iovlen = 1;
        if (r->whole) {
            /* a unix message socket: no address, no SCTP information to
             * receive (the kernel need not fill either) */
            r->b->mm[i].msg_hdr.msg_name = NULL;
            r->b->mm[i].msg_hdr.msg_namelen = 0;
            r->b->mm[i].msg_hdr.msg_control = NULL;
            r->b->mm[i].msg_hdr.msg_controllen = 0;
        }
        else {
            r->b->mm[i].msg_hdr.msg_name = &r->b->from[i];
            r->b->mm[i].msg_hdr.msg_namelen = sizeof(r->b->from[i]);
            r->b->mm[i].msg_hdr.msg_control = r->b->control + (size_t)i * r->cspace;
            r->b->mm[i].msg_hdr.msg_controllen = r->cspace;
        }
        r->b->mm[i].msg_hdr.msg_flags = 0;
    }
    call.mm = r->b->mm;
    call.count = (unsigned int)batch;
    n = aiosctp_call_gil(r->fd, 0, 0.0, aiosctp_recvmmsg_call, &call, NULL,
                         batch * r->bufsize > AIOSCTP_SMALL_CALL);
    if (n < 0)
        return -1;
    *nbytes = 0;
    for (i = 0; i < n; i++)
        *nbytes += (Py_ssize_t)r->b->mm[i].msg_len;
    return n;
}

/* The messages i..n-1 of the last read as recvmsgs() tuples (a list), or
 * None when i == n; NULL with an exception set. */
static PyObject *
reader_rest(ReaderObject *r, aiosctp_state *st, Py_ssize_t i, Py_ssize_t n)
{
    PyObject *rest;
    Py_ssize_t j;
    if (i >= n)
        return Py_NewRef(Py_None);
    rest = PyList_New(n - i);
    if (rest == NULL)
        return NULL;
    for (j = i; j < n; j++) {
        PyObject *data, *item;
        data = PyBytes_FromStringAndSize(r->b->iov[j].iov_base,
                                         (Py_ssize_t)r->b->mm[j].msg_len);
        if (data == NULL)
            goto fail;
        item = aiosctp_recv_result(st, data, &r->b->mm[j].msg_hdr);
        if (item == NULL)
            goto fail;
        PyList_SET_ITEM(rest, j - i, item);
    }
    return rest;
fail:
    Py_DECREF(rest);
    return NULL;
}

/* The raised exception, taken (a new reference), never NULL. */
static PyObject *
take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *ev = PyErr_GetRaisedException();
#else
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyErr_NormalizeException(&et, &ev, &tb);
    if (ev != NULL && tb != NULL)
        PyException_SetTraceback(ev, tb);
    Py_XDECREF(et);
    Py_XDECREF(tb);
#endif
    if (ev == NULL)
        ev = PyObject_CallFunction(PyExc_SystemError, "s",
                                   "callback failed without an exception");
    return ev;
}

/* A data message fit for delivery in C: its receive information into *ri
 * (zeros in whole mode); 0 when Python must handle it. */
static int
is_whole_data(ReaderObject *r, Py_ssize_t i, struct sctp_rcvinfo *ri)
{
    struct msghdr *msg = &r->b->mm[i].msg_hdr;
    if (r->b->mm[i].msg_len == 0 ||
        (msg->msg_flags & (MSG_CTRUNC | MSG_TRUNC | MSG_NOTIFICATION)))
        return 0;
    if (r->whole) {
        memset(ri, 0, sizeof(*ri));
        return 1;
    }
    return (msg->msg_flags & MSG_EOR) && find_rcvinfo(msg, ri);
}

/* Call handlers[stream] or transport._on_message with (data, info) for
 * message i: 1 done, 0 the callback raised (*exc set), -1 error. */
static int
call_message(ReaderObject *r, Py_ssize_t i, const struct sctp_rcvinfo *ri,
             PyObject *transport, PyObject *handlers, PyObject **exc)
{
    PyObject *data, *info, *cb = NULL, *ret, *argv[3];
    data = PyBytes_FromStringAndSize(r->b->iov[i].iov_base,
                                     (Py_ssize_t)r->b->mm[i].msg_len);
    if (data == NULL)
        return -1;
    info = info_build(r->info_class, &r->spare, ri->rcv_sid, ntohl(ri->rcv_ppid),
                      (ri->rcv_flags & SCTP_UNORDERED) != 0, ri->rcv_context,
                      ri->rcv_tsn, ri->rcv_ssn, (long)ri->rcv_assoc_id);
    if (info == NULL) {
        Py_DECREF(data);
        return -1;
    }
    if (PyDict_GET_SIZE(handlers) > 0) {
        cb = PyDict_GetItemWithError(handlers, ((InfoObject *)info)->stream);
        if (cb == NULL && PyErr_Occurred())
            goto error;
        Py_XINCREF(cb);
    }
    if (cb == NULL) {
        cb = tattr(transport, TS_ON_MESSAGE);
        if (cb == NULL)
            goto error;
    }
    argv[0] = NULL;
    argv[1] = data;
    argv[2] = info;
    ret = PyObject_Vectorcall(cb, argv + 1, 2 | PY_VECTORCALL_ARGUMENTS_OFFSET,
                              NULL);
    Py_DECREF(cb);
    Py_DECREF(data);
    if (Py_REFCNT(info) == 1 && r->spare == NULL)
        r->spare = info; /* no one kept it: the next message's */
    else
        Py_DECREF(info);
    if (ret == NULL) {
        *exc = take_exception();
        return *exc == NULL ? -1 : 0;
    }
    Py_DECREF(ret);
    return 1;
error:
    Py_DECREF(data);
    Py_DECREF(info);
    return -1;
}

/* The transport's slot k as a long: 0 (*out), or -1 with an exception. */
static int
slot_long(PyObject *t, int k, long *out)
{
    PyObject *v = tattr(t, k);
    if (v == NULL)
        return -1;
    *out = PyLong_AsLong(v);
    Py_DECREF(v);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

/* The truth of v, a new reference it consumes (NULL: an error set): 1/0,
 * or -1 with an exception. */
static int
truth(PyObject *v)
{
    int b;
    if (v == NULL)
        return -1;
    b = PyObject_IsTrue(v);
    Py_DECREF(v);
    return b;
}

#define slot_true(t, k) truth(tattr((t), (k)))

/* 1 when the transport must stop delivering (paused, not open), 0 not, -1
 * error. */
static int
must_stop(PyObject *transport)
{
    long state;
    int t = slot_true(transport, TS_READING_PAUSED);
    if (t != 0)
        return t;
    if (slot_long(transport, TS_STATE, &state) < 0)
        return -1;
    return state != 0;
}

PyDoc_STRVAR(deliver_doc,
"deliver(batch, transport, handlers, max_size) -> (n, nbytes, rest, exc)\n\n"
"Read up to batch (1..64) messages with one nonblocking recvmmsg() and\n"
"deliver the whole data messages among them, in order, to\n"
"handlers[stream] or transport._on_message, as (data, info). Stops after\n"
"a callback when transport._reading_paused or transport._state != 0.\n"
"n: messages read, nbytes: their bytes, rest: the messages not delivered\n"
"as recvmsgs() tuples (None if none), exc: a callback's exception (the\n"
"batch stopped there) or None. BlockingIOError when nothing is queued.");

PyDoc_STRVAR(deliver_many_doc,
"deliver_many(batch, transports) -> (n, nbytes, rest, exc, exc_transport)\n\n"
"The same for a one-to-many socket: each whole data message goes to the\n"
"transport of its association (transports[assoc_id]) when that one takes\n"
"messages now (started, open, not paused, nothing held back, no partial\n"
"message: transport._started, _state == 0, not _reading_paused, not _rx,\n"
"not _partial) and it is within its _max_message_size, to its\n"
"_stream_handlers[stream] or _on_message. Stops at the first message it\n"
"does not deliver (the rest back as recvmsgs() tuples) or after a\n"
"callback raised (exc, and exc_transport the transport it was for).");

/* Where a batch's messages go: one transport (deliver) or the transport
 * of each message's association (deliver_many). */
struct fp_dest {
    PyObject *one, *handlers;   /* deliver: the transport, its handlers */
    Py_ssize_t max_size;
    PyObject *transports;       /* deliver_many: assoc_id -> transport */
};

/* Whether transport t takes messages from the C path now (started, open,
 * not paused, nothing held back, no partial message): 1 with *handlers (a
 * new reference) and *max_size set, 0 not, -1 error. */
static int
transport_takes(PyObject *t, PyObject **handlers, Py_ssize_t *max_size)
{
    static const int which[4] = {TS_RX, TS_PARTIAL, TS_READING_PAUSED,
                                 TS_STARTED};
    PyObject *v;
    int k, b;
    long state;

    if (slot_long(t, TS_STATE, &state) < 0)
        return -1;
    if (state != 0)
        return 0;
    /* _rx, _partial, _reading_paused must be false, _started true */
    for (k = 0; k < 4; k++) {
        b = slot_true(t, which[k]);
        if (b < 0)
            return -1;
        if (b != (k == 3))
            return 0;
    }
    v = tattr(t, TS_MAX_SIZE);
    if (v == NULL)
        return -1;
    *max_size = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (*max_size == -1 && PyErr_Occurred())
        return -1;
    *handlers = tattr(t, TS_HANDLERS);
    if (*handlers == NULL)
        return -1;
    if (!PyDict_Check(*handlers)) {
        Py_CLEAR(*handlers);
        return 0;
    }
    return 1;
}

/* The transport of transports[assoc_id] (one-to-many) when that one takes
 * messages now (*t, *handlers new references, *max_size set): 1, 0 not
 * (nothing set), -1 error. */
static int
takes_messages(PyObject *transports, const struct sctp_rcvinfo *ri,
               PyObject **t, PyObject **handlers, Py_ssize_t *max_size)
{
    PyObject *key;
    int ok;

    key = PyLong_FromLong((long)ri->rcv_assoc_id);
    if (key == NULL)
        return -1;
    *t = PyDict_GetItemWithError(transports, key); /* borrowed */
    Py_DECREF(key);
    if (*t == NULL)
        return PyErr_Occurred() ? -1 : 0;
    Py_INCREF(*t);
    ok = transport_takes(*t, handlers, max_size);
    if (ok <= 0)
        Py_CLEAR(*t);
    return ok;
}

/* The transport message i goes to, as takes_messages: for deliver, the one
 * transport unless a callback paused or closed it (checked before each
 * message after the first). */
static int
dest_of(const struct fp_dest *d, Py_ssize_t i, const struct sctp_rcvinfo *ri,
        PyObject **t, PyObject **handlers, Py_ssize_t *max_size)
{
    int stop;
    if (d->transports != NULL)
        return takes_messages(d->transports, ri, t, handlers, max_size);
    if (i > 0 && (stop = must_stop(d->one)) != 0)
        return stop < 0 ? -1 : 0;
    *t = Py_NewRef(d->one);
    *handlers = Py_NewRef(d->handlers);
    *max_size = d->max_size;
    return 1;
}

/* The one loop of deliver and deliver_many: read a batch, hand its whole
 * messages to their transports until the first one it does not handle or
 * a callback raised.  *n, *nbytes: the read; *rest: the messages not
 * handled (or None); *exc, *exc_t: the callback's exception and its
 * transport (or None).  0, or -1 with an exception set. */
static int
reader_run(ReaderObject *r, Py_ssize_t batch, const struct fp_dest *d,
           Py_ssize_t *n, Py_ssize_t *nbytes, PyObject **rest,
           PyObject **exc, PyObject **exc_t)
{
    Py_ssize_t i;

    *exc = *exc_t = Py_None;
    *n = reader_read(r, batch, nbytes);
    if (*n < 0)
        return -1;
    r->busy = 1;
    for (i = 0; i < *n; i++) {
        struct sctp_rcvinfo ri;
        PyObject *t, *handlers;
        Py_ssize_t max_size = 0;
        int ok;

        if (!is_whole_data(r, i, &ri))
            break;
        ok = dest_of(d, i, &ri, &t, &handlers, &max_size);
        if (ok < 0)
            goto error;
        if (ok == 0)
            break;
        if ((Py_ssize_t)r->b->mm[i].msg_len > max_size) {
            Py_DECREF(t);
            Py_DECREF(handlers);
            break;
        }
        ok = call_message(r, i, &ri, t, handlers, exc);
        Py_DECREF(handlers);
        if (ok <= 0) {
            if (ok < 0) {
                Py_DECREF(t);
                goto error;
            }
            *exc_t = t; /* the reference moves to the caller */
            i++;
            break;
        }
        Py_DECREF(t);
    }
    r->busy = 0;
    Py_CLEAR(r->spare);
    *rest = reader_rest(r, aiosctp_get_state(r->module), i, *n);
    if (*rest != NULL)
        return 0;
    goto fail;
error:
    r->busy = 0;
    Py_CLEAR(r->spare);
fail:
    if (*exc != Py_None)
        Py_CLEAR(*exc);
    if (*exc_t != Py_None)
        Py_CLEAR(*exc_t);
    return -1;
}

/* batch, the first argument of deliver and deliver_many: 1..64, or -1
 * with an exception set. */
static Py_ssize_t
batch_arg(PyObject *arg)
{
    Py_ssize_t batch = PyLong_AsSsize_t(arg);
    if (batch == -1 && PyErr_Occurred())
        return -1;
    if (batch < 1 || batch > FP_MAX_BATCH) {
        PyErr_Format(PyExc_ValueError, "batch must be in 1..%d, not %zd",
                     FP_MAX_BATCH, batch);
        return -1;
    }
    return batch;
}

/* reader_run with the buffers lent for the call. */
static int
reader_lent(ReaderObject *r, Py_ssize_t batch, const struct fp_dest *d,
            Py_ssize_t *n, Py_ssize_t *nbytes, PyObject **rest,
            PyObject **exc, PyObject **exc_t)
{
    int rc;
    if (r->busy) {
        PyErr_SetString(PyExc_RuntimeError, "deliver() is already running");
        return -1;
    }
    r->b = block_take((size_t)r->bufsize, r->cspace);
    if (r->b == NULL)
        return -1;
    rc = reader_run(r, batch, d, n, nbytes, rest, exc, exc_t);
    block_put(r->b);
    r->b = NULL;
    return rc;
}

/* deliver (many 0) or deliver_many (many 1). */
static PyObject *
reader_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs, int many)
{
    ReaderObject *r = (ReaderObject *)self;
    struct fp_dest d = {NULL, NULL, 0, NULL};
    PyObject *rest, *exc, *exc_t;
    Py_ssize_t batch, n, nbytes = 0;
    int rc;

    if (nargs != (many ? 2 : 4)) {
        PyErr_Format(PyExc_TypeError, "%s() takes %d arguments (%zd given)",
                     many ? "deliver_many" : "deliver", many ? 2 : 4, nargs);
        return NULL;
    }
    batch = batch_arg(args[0]);
    if (batch < 0)
        return NULL;
    if (many) {
        d.transports = args[1];
        if (!PyDict_Check(d.transports)) {
            PyErr_SetString(PyExc_TypeError, "transports must be a dict");
            return NULL;
        }
    }
    else {
        d.one = args[1];
        d.handlers = args[2];
        if (!PyDict_Check(d.handlers)) {
            PyErr_SetString(PyExc_TypeError, "handlers must be a dict");
            return NULL;
        }
        d.max_size = PyLong_AsSsize_t(args[3]);
        if (d.max_size == -1 && PyErr_Occurred())
            return NULL;
    }
    rc = reader_lent(r, batch, &d, &n, &nbytes, &rest, &exc, &exc_t);
    if (rc < 0)
        return NULL;
    if (many)
        return Py_BuildValue("(nnNNN)", n, nbytes, rest,
                             exc == Py_None ? Py_NewRef(Py_None) : exc,
                             exc_t == Py_None ? Py_NewRef(Py_None) : exc_t);
    if (exc_t != Py_None)
        Py_DECREF(exc_t);
    return Py_BuildValue("(nnNN)", n, nbytes, rest,
                         exc == Py_None ? Py_NewRef(Py_None) : exc);
}

static PyObject *
reader_deliver(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return reader_call(self, args, nargs, 0);
}

static PyObject *
reader_deliver_many(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return reader_call(self, args, nargs, 1);
}

static PyMethodDef reader_methods[] = {
    {"deliver", (PyCFunction)(void (*)(void))reader_deliver, METH_FASTCALL,
     deliver_doc},
    {"deliver_many", (PyCFunction)(void (*)(void))reader_deliver_many,
     METH_FASTCALL, deliver_many_doc},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot reader_slots[] = {
    {Py_tp_dealloc, reader_dealloc},
    {Py_tp_traverse, reader_traverse},
    {Py_tp_clear, reader_clear},
    {Py_tp_new, reader_new},
    {Py_tp_methods, reader_methods},
    {Py_tp_doc,
     "Reader(fd, bufsize, info_class, whole=False): the transport's batched "
     "receive path (see deliver)."},
    {0, NULL},
};

static PyType_Spec reader_spec = {
    .name = "aiosctp._sctp.Reader",
    .basicsize = sizeof(ReaderObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = reader_slots,
};


/* ---- ReadStep ------------------------------------------------------------ */

/* The read step of a transport that has its socket to itself (the one-to-one
 * owner's, called by _rxcore.read_loop with the batch size): while the
 * transport takes messages from the C path, one deliver() in C and the
 * loop's answer (n, nbytes, go_on) without a Python frame; otherwise
 * slow(batch) (the Python path), and what deliver() hands back (the rest of
 * a batch, a callback's exception) to handback(n, nbytes, rest, exc). */
enum { ST_READER, ST_TRANSPORT, ST_OWNER, ST_SLOW, ST_HANDBACK, ST_SENDS,
       ST_COUNT };

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *o[ST_COUNT];  /* the constructor's arguments, in its order */
} StepObject;

static int
step_traverse(PyObject *self, visitproc visit, void *arg)
{
    int k;
    Py_VISIT(Py_TYPE(self));
    for (k = 0; k < ST_COUNT; k++)
        Py_VISIT(((StepObject *)self)->o[k]);
    return 0;
}

static int
step_clear(PyObject *self)
{
    int k;
    for (k = 0; k < ST_COUNT; k++)
        Py_CLEAR(((StepObject *)self)->o[k]);
    return 0;
}

static void
step_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    (void)step_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* go_on after a batch delivered whole: the transport not closed
 * (transport._CLOSED, 3) nor paused, the owner still reading and no message
 * cut.  1/0, or -1 with an exception set. */
static int
step_go_on(StepObject *s)
{
    long state;
    int k;
    if (slot_long(s->o[ST_TRANSPORT], TS_STATE, &state) < 0)
        return -1;
    if (state == 3)
        return 0;
    if ((k = slot_true(s->o[ST_TRANSPORT], TS_READING_PAUSED)) != 0)
        return k < 0 ? -1 : 0;
    if ((k = truth(PyObject_GetAttr(s->o[ST_OWNER], tb.reading_name))) <= 0)
        return k;
    return (k = truth(PyObject_GetAttr(s->o[ST_OWNER], tb.cut_name))) < 0 ? -1 : !k;
}

static PyObject *
step_vectorcall(PyObject *self, PyObject *const *args, size_t nargsf,
                PyObject *kwnames)
{
    StepObject *s = (StepObject *)self;
    struct fp_dest d = {NULL, NULL, 0, NULL};
    PyObject *credit, *rest, *exc, *exc_t, *res = NULL, *argv[4];
    Py_ssize_t batch, n, nbytes = 0;
    int ok;

    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "ReadStep takes one argument (batch)");
        return NULL;
    }
    batch = batch_arg(args[0]);
    if (batch < 0)
        return NULL;
    ok = transport_takes(s->o[ST_TRANSPORT], &d.handlers, &d.max_size);
    if (ok <= 0)
        return ok < 0 ? NULL : PyObject_CallOneArg(s->o[ST_SLOW], args[0]);
    /* the socket is read now: replies may go out at once */
    credit = tattr(s->o[ST_TRANSPORT], TS_CREDIT);
    if (credit != NULL && Py_IS_TYPE(credit, tb.credit_cls))
        ok = set_slot(credit, tb.left_off, Py_NewRef(s->o[ST_SENDS]));
    else if (credit != NULL)
        ok = PyObject_SetAttr(credit, tb.left_name, s->o[ST_SENDS]);
    else
        ok = -1;
    Py_XDECREF(credit);
    if (ok < 0) {
        Py_DECREF(d.handlers);
        return NULL;
    }
    d.one = s->o[ST_TRANSPORT];
    ok = reader_lent((ReaderObject *)s->o[ST_READER], batch, &d, &n, &nbytes,
                     &rest, &exc, &exc_t);
    Py_DECREF(d.handlers);
    if (ok < 0)
        return NULL;
    /* exc and exc_t: new references, or None borrowed; exc_t is the one
     * transport */
    if (exc_t != Py_None)
        Py_DECREF(exc_t);
    if (rest == Py_None && exc == Py_None) {
        Py_DECREF(rest);
        ok = step_go_on(s);
        if (ok < 0)
            return NULL;
        argv[0] = PyLong_FromSsize_t(n);
        argv[1] = PyLong_FromSsize_t(nbytes);
        if (argv[0] != NULL && argv[1] != NULL)
            res = PyTuple_Pack(3, argv[0], argv[1], ok ? Py_True : Py_False);
        Py_XDECREF(argv[0]);
        Py_XDECREF(argv[1]);
        return res;
    }
    argv[0] = PyLong_FromSsize_t(n);
    argv[1] = PyLong_FromSsize_t(nbytes);
    argv[2] = rest;
    argv[3] = exc;
    if (argv[0] != NULL && argv[1] != NULL)
        res = PyObject_Vectorcall(s->o[ST_HANDBACK], argv, 4, NULL);
    Py_XDECREF(argv[0]);
    Py_XDECREF(argv[1]);
    Py_DECREF(rest);
    if (exc != Py_None)
        Py_DECREF(exc);
    return res;
}

static PyObject *
step_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"reader", "transport", "owner", "slow",
                             "handback", "sends_per_turn", NULL};
    PyObject *reader, *transport, *owner, *slow, *handback, *sends, *rtype;
    StepObject *s;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOO!:ReadStep", kwlist,
                                     &reader, &transport, &owner, &slow,
                                     &handback, &PyLong_Type, &sends))
        return NULL;
    rtype = PyObject_GetAttrString(PyType_GetModule(type), "Reader");
    if (rtype == NULL)
        return NULL;
    if (!Py_IS_TYPE(reader, (PyTypeObject *)rtype)) {
        Py_DECREF(rtype);
        PyErr_SetString(PyExc_TypeError, "reader must be a Reader");
        return NULL;
    }
    Py_DECREF(rtype);
    if (!PyCallable_Check(slow) || !PyCallable_Check(handback)) {
        PyErr_SetString(PyExc_TypeError, "slow and handback must be callable");
        return NULL;
    }
    s = (StepObject *)type->tp_alloc(type, 0);
    if (s == NULL)
        return NULL;
    s->vectorcall = step_vectorcall;
    {
        PyObject *o[ST_COUNT] = {reader, transport, owner, slow, handback,
                                 sends};
        int k;
        for (k = 0; k < ST_COUNT; k++)
            s->o[k] = Py_NewRef(o[k]);
    }
    return (PyObject *)s;
}

static PyMemberDef step_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(StepObject, vectorcall),
     READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

PyDoc_STRVAR(step_doc,
"ReadStep(reader, transport, owner, slow, handback, sends_per_turn):\n"
"the read step of a one-to-one transport, step(batch) -> (n, nbytes,\n"
"go_on), as _rxcore.read_loop calls it.");

static PyType_Slot step_slots[] = {
    {Py_tp_dealloc, step_dealloc}, {Py_tp_traverse, step_traverse},
    {Py_tp_clear, step_clear}, {Py_tp_new, step_new},
    {Py_tp_call, PyVectorcall_Call}, {Py_tp_members, step_members},
    {Py_tp_doc, (void *)step_doc}, {0, NULL}};
static PyType_Spec step_spec = {"aiosctp._sctp.ReadStep", sizeof(StepObject),
                                0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
                                Py_TPFLAGS_HAVE_VECTORCALL, step_slots};


/* ---- sending ------------------------------------------------------------- */

/* An exact int in 0..max into *out: 1, or 0 when it is anything else (a
 * bool, another type, out of range: the Python path checks and raises). */
static int
plain_uint(PyObject *obj, unsigned long max, unsigned long *out)
{
    unsigned long v;
    if (!PyLong_CheckExact(obj))
        return 0;
    v = PyLong_AsUnsignedLong(obj);
    if (v == (unsigned long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    if (v > max)
        return 0;
    *out = v;
    return 1;
}

typedef struct {
    PyObject *data; /* bytes */
    uint16_t stream;
    uint16_t flags;
    uint32_t ppid;
    uint32_t context;
    uint32_t ttl;
    int32_t assoc_id;
} fp_entry;

/* The common case of a send (data bytes, not empty, within sndbuf; each
 * integer a plain int in range, unordered a bool, stream < ostreams when
 * ostreams) into *x, data borrowed: 1, or 0 for anything else, nothing
 * raised (the Python path checks it and raises, or converts it). */
static int
common_send(PyObject *data, PyObject *stream, PyObject *ppid,
            PyObject *unordered, PyObject *context, PyObject *ttl,
            PyObject *assoc_id, PyObject *ostreams, PyObject *sndbuf,
            fp_entry *x)
{
    unsigned long st, pp, ctx, tl, os, sb;
    long aid;
    Py_ssize_t len;

    if (!PyBytes_CheckExact(data) ||
        !plain_uint(stream, 0xFFFF, &st) ||
        !plain_uint(ppid, 0xFFFFFFFFUL, &pp) ||
        (unordered != Py_True && unordered != Py_False) ||
        !plain_uint(context, 0xFFFFFFFFUL, &ctx) ||
        !plain_uint(ttl, 0xFFFFFFFFUL, &tl) ||
        !PyLong_CheckExact(assoc_id) ||
        !plain_uint(ostreams, 0xFFFF, &os) ||
        !plain_uint(sndbuf, PY_SSIZE_T_MAX, &sb))
        return 0;
    aid = PyLong_AsLong(assoc_id);
    if ((aid == -1 && PyErr_Occurred()) || aid < INT32_MIN ||
        aid > INT32_MAX) {
        PyErr_Clear();
        return 0;
    }
    len = PyBytes_GET_SIZE(data);
    if (len == 0 || (size_t)len > sb || (os && st >= os))
        return 0;
    x->data = data;
    x->stream = (uint16_t)st;
    x->flags = unordered == Py_True ? SCTP_UNORDERED : 0;
    x->ppid = (uint32_t)pp;
    x->context = (uint32_t)ctx;
    x->ttl = (uint32_t)tl;
    x->assoc_id = (int32_t)aid;
    return 1;
}

/* The SCTP control data of x into msg (none without sndinfo: a unix
 * message socket, where Linux would skip them unread). */
static void
fill_send_cmsg(struct msghdr *msg, aiosctp_send_cmsg *cb, const fp_entry *x,
               int sndinfo)
{
    struct aiosctp_send_args a;

    if (!sndinfo) {
        msg->msg_control = NULL;
        msg->msg_controllen = 0;
        return;
    }

    a.stream = x->stream;
    a.flags = x->flags;
    a.ppid = x->ppid;
    a.context = x->context;
    a.ttl = x->ttl;
    a.assoc_id = x->assoc_id;
    a.no_sndinfo = 0;
    a.tolen = 0;
    aiosctp_build_send_cmsg(msg, cb, &a);
}

static Py_ssize_t
fp_sendmsg_call(int fd, int nonblock, void *data)
{
    (void)nonblock;
    return sendmsg(fd, (struct msghdr *)data, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* One nonblocking sendmsg of x: 1 sent, 0 not (EAGAIN or any error of the
 * system call: the Python path retries and reports it), -1 a signal
 * handler raised. */
static int
send_now(int fd, const fp_entry *x, int sndinfo)
{
    struct msghdr msg;
    struct iovec iov;
    aiosctp_send_cmsg cb;
    int err = 0;

    memset(&msg, 0, sizeof(msg));
    iov.iov_base = PyBytes_AS_STRING(x->data);
    iov.iov_len = (size_t)PyBytes_GET_SIZE(x->data);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    fill_send_cmsg(&msg, &cb, x, sndinfo);
    if (aiosctp_call_gil(fd, 1, 0.0, fp_sendmsg_call, &msg, &err,
                         iov.iov_len > AIOSCTP_SMALL_CALL) >= 0)
        return 1;
    return err == 0 ? -1 : 0;
}

PyDoc_STRVAR(try_send_doc,
"try_send(fd, data, stream, ppid, unordered, context, ttl, assoc_id,\n"
"         ostreams, sndbuf) -> bool\n\n"
"The transport's send() when nothing is queued: send data (bytes) as one\n"
"message with one nonblocking sendmsg() and return True; return False,\n"
"having sent nothing and raised nothing, for anything out of the common\n"
"case (another data type, empty or larger than sndbuf, an argument not a\n"
"plain int in range or unordered not a bool, stream >= ostreams when\n"
"ostreams, any error of the system call, EAGAIN included): the Python\n"
"path then checks, sends or queues, and raises.");

static PyObject *
fp_try_send(PyObject *Py_UNUSED(module), PyObject *const *args,
            Py_ssize_t nargs)
{
    unsigned long fd;
    fp_entry x;
    int rc;

    if (nargs != 10) {
        PyErr_Format(PyExc_TypeError,
                     "try_send() takes 10 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!plain_uint(args[0], INT32_MAX, &fd) ||
        !common_send(args[1], args[2], args[3], args[4], args[5], args[6],
                     args[7], args[8], args[9], &x))
        Py_RETURN_FALSE;
    rc = send_now((int)fd, &x, 1);
    if (rc < 0)
        return NULL;
    return PyBool_FromLong(rc);
}


/* ---- the write queue ------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    fp_entry *e;
    Py_ssize_t head, len, cap;
    int sndinfo;    /* send the SCTP control data (not on a unix socket) */
    Py_ssize_t nbytes;  /* the data bytes queued */
} QueueObject;

static void
queue_clear_entries(QueueObject *q)
{
    /* take the entries out first: a data's dealloc cannot run Python code
     * (bytes), but keep the queue consistent anyway */
    Py_ssize_t i, head = q->head, len = q->len;
    fp_entry *e = q->e;
    q->head = q->len = q->nbytes = 0;
    for (i = 0; i < len; i++)
        Py_DECREF(e[head + i].data);
}

/* The queue has just emptied: start again at the front, and give back the
 * room of a burst (a transport that once queued many messages does not keep
 * their entries' array for its life). */
#define QUEUE_KEEP 64   /* entries kept across an empty queue */

static void
queue_emptied(QueueObject *q)
{
    q->head = 0;
    if (q->cap > QUEUE_KEEP) {
        PyMem_Free(q->e);
        q->e = NULL;
        q->cap = 0;
    }
}

static void
queue_dealloc(PyObject *self)
{
    QueueObject *q = (QueueObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    queue_clear_entries(q);
    PyMem_Free(q->e);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Room for one more entry at the end: 0, or -1 with MemoryError. */
static int
queue_reserve(QueueObject *q)
{
    if (q->head + q->len < q->cap)
        return 0;
    if (q->head > 0 && q->len <= q->cap / 2) {
        memmove(q->e, q->e + q->head, (size_t)q->len * sizeof(fp_entry));
        q->head = 0;
        return 0;
    }
    {
        Py_ssize_t cap = q->cap ? q->cap * 2 : 16;
        fp_entry *e;
        if (q->head > 0) {
            memmove(q->e, q->e + q->head, (size_t)q->len * sizeof(fp_entry));
            q->head = 0;
        }
        e = PyMem_Realloc(q->e, (size_t)cap * sizeof(fp_entry));
        if (e == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        q->e = e;
        q->cap = cap;
    }
    return 0;
}

static void
queue_put(QueueObject *q, const fp_entry *x)
{
    fp_entry *e = &q->e[q->head + q->len];
    *e = *x;
    Py_INCREF(e->data);
    q->len++;
    q->nbytes += PyBytes_GET_SIZE(e->data);
}

static PyObject *
queue_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sndinfo", NULL};
    int sndinfo = 1;
    QueueObject *q;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:SendQueue", kwlist,
                                     &sndinfo))
        return NULL;
    q = (QueueObject *)type->tp_alloc(type, 0);
    if (q != NULL)
        q->sndinfo = sndinfo;
    return (PyObject *)q;
}

PyDoc_STRVAR(push_doc,
"push(data, stream, ppid, unordered, context, ttl, assoc_id, ostreams,\n"
"     sndbuf) -> int\n\n"
"Queue one message of the common case (as try_send checks it) and return\n"
"its length; 0 when it is not (nothing queued, nothing raised: the Python\n"
"path checks it and raises, or converts it and calls append()).");

static PyObject *
queue_push(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    QueueObject *q = (QueueObject *)self;
    fp_entry x;

    if (nargs != 9) {
        PyErr_Format(PyExc_TypeError,
                     "push() takes 9 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!common_send(args[0], args[1], args[2], args[3], args[4], args[5],
                     args[6], args[7], args[8], &x))
        return PyLong_FromLong(0);
    if (queue_reserve(q) < 0)
        return NULL;
    queue_put(q, &x);
    return PyLong_FromSsize_t(PyBytes_GET_SIZE(x.data));
}

PyDoc_STRVAR(append_doc,
"append(data, stream, ppid, flags, context, ttl, assoc_id)\n\n"
"Queue one message already checked by the caller (data bytes).");

static PyObject *
queue_append(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    QueueObject *q = (QueueObject *)self;
    uint16_t stream, flags;
    uint32_t ppid, context, ttl;
    sctp_assoc_t assoc_id;

    if (nargs != 7) {
        PyErr_Format(PyExc_TypeError,
                     "append() takes 7 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyBytes_Check(args[0])) {
        PyErr_Format(PyExc_TypeError, "data must be bytes, not %.100s",
                     Py_TYPE(args[0])->tp_name);
        return NULL;
    }
    if (!aiosctp_conv_u16(args[1], &stream) ||
        !aiosctp_conv_u32(args[2], &ppid) ||
        !aiosctp_conv_u16(args[3], &flags) ||
        !aiosctp_conv_u32(args[4], &context) ||
        !aiosctp_conv_u32(args[5], &ttl) ||
        !aiosctp_conv_assoc(args[6], &assoc_id))
        return NULL;
    if (queue_reserve(q) < 0)
        return NULL;
    {
        fp_entry x = {args[0], stream, flags, ppid, context, ttl,
                      (int32_t)assoc_id};
        queue_put(q, &x);
    }
    Py_RETURN_NONE;
}

/* Fill msg's control data for x into cb (as msgio.c's sendmsg does). */
PyDoc_STRVAR(flush_doc,
"flush(fd, max_messages) -> (sent, nbytes)\n\n"
"Send up to max_messages (1..64) queued messages, oldest first, with one\n"
"nonblocking sendmmsg() and drop those sent; BlockingIOError when the\n"
"socket takes none, the errno's OSError on another failure (nothing\n"
"dropped).");

static PyObject *
queue_flush(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    QueueObject *q = (QueueObject *)self;
    struct mmsghdr mm[FP_MAX_BATCH];
    struct iovec iov[FP_MAX_BATCH];
    aiosctp_send_cmsg cb[FP_MAX_BATCH];
    struct aiosctp_mmsg c;
    int fd;
    Py_ssize_t max, count, i, n, nbytes = 0;

    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "flush() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!aiosctp_conv_fd(args[0], &fd))
        return NULL;
    max = PyLong_AsSsize_t(args[1]);
    if (max == -1 && PyErr_Occurred())
        return NULL;
    if (max < 1 || max > FP_MAX_BATCH) {
        PyErr_Format(PyExc_ValueError, "max_messages must be in 1..%d",
                     FP_MAX_BATCH);
        return NULL;
    }
    count = q->len < max ? q->len : max;
    if (count == 0)
        return Py_BuildValue("(nn)", (Py_ssize_t)0, (Py_ssize_t)0);
    memset(mm, 0, (size_t)count * sizeof(mm[0]));
    for (i = 0; i < count; i++) {
        fp_entry *x = &q->e[q->head + i];
        iov[i].iov_base = PyBytes_AS_STRING(x->data);
        iov[i].iov_len = (size_t)PyBytes_GET_SIZE(x->data);
        nbytes += PyBytes_GET_SIZE(x->data);
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        fill_send_cmsg(&mm[i].msg_hdr, &cb[i], x, q->sndinfo);
    }
    c.mm = mm;
    c.count = (unsigned int)count;
    /* the data stay referenced by the queue while the GIL is released; a
     * callback cannot run meanwhile (no Python code in between) */
    n = aiosctp_call_gil(fd, 1, 0.0, aiosctp_sendmmsg_call, &c, NULL,
                         nbytes > AIOSCTP_SMALL_CALL);
    nbytes = 0;
    if (n < 0)
        return NULL;
    for (i = 0; i < n; i++) {
        fp_entry *x = &q->e[q->head];
        nbytes += PyBytes_GET_SIZE(x->data);
        q->nbytes -= PyBytes_GET_SIZE(x->data);
        q->head++;
        q->len--;
        Py_DECREF(x->data);
    }
    if (q->len == 0)
        queue_emptied(q);
    return Py_BuildValue("(nn)", n, nbytes);
}

static PyObject *
queue_items(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    QueueObject *q = (QueueObject *)self;
    PyObject *list = PyList_New(q->len);
    Py_ssize_t i;
    if (list == NULL)
        return NULL;
    for (i = 0; i < q->len; i++) {
        fp_entry *x = &q->e[q->head + i];
        PyObject *t = Py_BuildValue("(OIIIIIiO)", x->data,
                                    (unsigned int)x->stream, x->ppid,
                                    (unsigned int)x->flags, x->context,
                                    x->ttl, (int)x->assoc_id, Py_None);
        if (t == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, t);
    }
    return list;
}

static PyObject *
queue_iter(PyObject *self)
{
    PyObject *list = queue_items(self, NULL), *it;
    if (list == NULL)
        return NULL;
    it = PyObject_GetIter(list);
    Py_DECREF(list);
    return it;
}

static PyObject *
queue_clear(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    queue_clear_entries((QueueObject *)self);
    queue_emptied((QueueObject *)self);
    Py_RETURN_NONE;
}

static Py_ssize_t
queue_length(PyObject *self)
{
    return ((QueueObject *)self)->len;
}

static PyMethodDef queue_methods[] = {
    {"push", (PyCFunction)(void (*)(void))queue_push, METH_FASTCALL, push_doc},
    {"append", (PyCFunction)(void (*)(void))queue_append, METH_FASTCALL,
     append_doc},
    {"flush", (PyCFunction)(void (*)(void))queue_flush, METH_FASTCALL,
     flush_doc},
    {"items", queue_items, METH_NOARGS,
     "The queued messages as sendmsgs() tuples, oldest first."},
    {"clear", queue_clear, METH_NOARGS, "Drop every queued message."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef queue_members[] = {
    {"nbytes", T_PYSSIZET, offsetof(QueueObject, nbytes), READONLY,
     "The data bytes queued."},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot queue_slots[] = {
    {Py_tp_members, queue_members},
    {Py_tp_dealloc, queue_dealloc},
    {Py_tp_new, queue_new},
    {Py_tp_methods, queue_methods},
    {Py_tp_iter, queue_iter},
    {Py_sq_length, queue_length},
    {Py_tp_doc,
     "SendQueue(sndinfo=True): the transport's write queue of messages (bytes "
     "and their send information), flushed with sendmmsg(); sndinfo=False "
     "sends them without SCTP control data (a unix message socket)."},
    {0, NULL},
};

static PyType_Spec queue_spec = {
    .name = "aiosctp._sctp.SendQueue",
    .basicsize = sizeof(QueueObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = queue_slots,
};


/* ---- TransportBase: send() ------------------------------------------------ */

PyDoc_STRVAR(bind_transport_doc,
"bind_transport(cls, credit_cls)\n\n"
"Bind TransportBase.send() and the Reader to the transport class cls (a\n"
"subclass of TransportBase) and its send credit class: their __slots__\n"
"offsets are taken here once.  TypeError when a slot is missing.");

static PyObject *
fp_bind_transport(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *base, *qcls, *left;
    Py_ssize_t off[TS_COUNT], left_off;
    int k;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "bind_transport() takes 2 arguments");
        return NULL;
    }
    if (!PyType_Check(args[0]) || !PyType_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "bind_transport() takes two classes");
        return NULL;
    }
    base = PyObject_GetAttrString(module, "TransportBase");
    if (base == NULL)
        return NULL;
    k = PyType_IsSubtype((PyTypeObject *)args[0], (PyTypeObject *)base);
    Py_DECREF(base);
    if (!k) {
        PyErr_SetString(PyExc_TypeError,
                        "cls must be a subclass of TransportBase");
        return NULL;
    }
    for (k = 0; k < TS_COUNT; k++) {
        off[k] = slot_offset((PyTypeObject *)args[0], tb.name[k]);
        if (off[k] < 0)
            return NULL;
    }
    left = PyUnicode_InternFromString("left");
    if (left == NULL)
        return NULL;
    left_off = slot_offset((PyTypeObject *)args[1], left);
    Py_DECREF(left);
    if (left_off < 0)
        return NULL;
    qcls = PyObject_GetAttrString(module, "SendQueue");
    if (qcls == NULL)
        return NULL;
    Py_XSETREF(tb.queue_cls, (PyTypeObject *)qcls);
    Py_XSETREF(tb.credit_cls, (PyTypeObject *)Py_NewRef(args[1]));
    Py_XSETREF(tb.cls, (PyTypeObject *)Py_NewRef(args[0]));
    memcpy(tb.off, off, sizeof(off));
    tb.left_off = left_off;
    Py_RETURN_NONE;
}

/* send()'s arguments into a[0..5] (data, stream, ppid, unordered, context,
 * ttl; borrowed, defaults filled): 1, or 0 when the call is not of the
 * usual shape (the Python path then parses it and raises). */
static int
send_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
          PyObject **a)
{
    Py_ssize_t i, j, nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);

    if (nargs != 1)
        return 0;
    a[0] = args[0];
    a[1] = a[2] = a[4] = a[5] = tb.zero;
    a[3] = Py_False;
    for (i = 0; i < nkw; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);
        for (j = 0; j < 5; j++)
            if (name == tb.kw[j])
                break;
        if (j == 5) {
            for (j = 0; j < 5; j++)
                if (PyUnicode_Check(name) &&
                    PyUnicode_Compare(name, tb.kw[j]) == 0)
                    break;
            if (PyErr_Occurred())
                PyErr_Clear();
            if (j == 5)
                return 0;
        }
        a[1 + j] = args[nargs + i];
    }
    return 1;
}

/* send()'s common case: 1 done, 0 not (nothing sent or queued, nothing
 * raised), -1 an exception. */
static int
fast_send(PyObject *self, PyObject **a)
{
    PyObject *state, *buf, *credit;
    Py_ssize_t left, high;
    fp_entry x;

    state = tslot(self, TS_STATE);
    if (state == NULL || !PyLong_CheckExact(state) ||
        PyLong_AsLong(state) != 0 ||
        tslot(self, TS_PEER_SHUTDOWN) != Py_False)
        return 0;
    if (!common_send(a[0], a[1], a[2], a[3], a[4], a[5],
                     tslot(self, TS_ASSOC_ID) ? tslot(self, TS_ASSOC_ID) : Py_None,
                     tslot(self, TS_OSTREAMS) ? tslot(self, TS_OSTREAMS) : Py_None,
                     tslot(self, TS_SNDBUF) ? tslot(self, TS_SNDBUF) : Py_None,
                     &x))
        return 0;
    buf = tslot(self, TS_BUFFER);
    if (buf == NULL)
        return 0;
    if (Py_IS_TYPE(buf, tb.queue_cls) && ((QueueObject *)buf)->len > 0) {
        /* behind the queue */
        QueueObject *q = (QueueObject *)buf;
        if (!tslot_ssize(self, TS_HIGH_WATER, &high))
            return 0;
        if (queue_reserve(q) < 0)
            return -1;
        queue_put(q, &x);
        if (q->nbytes > high) {
            PyObject *r = PyObject_CallMethodNoArgs(self, tb.maybe_pause);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
        }
        return 1;
    }
    if (!PyTuple_CheckExact(buf) && !(Py_IS_TYPE(buf, tb.queue_cls)))
        return 0;
    /* nothing queued: at once while the loop's allowance lasts */
    credit = tslot(self, TS_CREDIT);
    if (credit == NULL || !Py_IS_TYPE(credit, tb.credit_cls))
        return 0;
    {
        PyObject *v = *(PyObject **)((char *)credit + tb.left_off);
        unsigned long fd;
        int rc;
        if (v == NULL || !PyLong_CheckExact(v))
            return 0;
        left = PyLong_AsSsize_t(v);
        if (left == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if (left <= 0 || tslot(self, TS_FD) == NULL ||
            !plain_uint(tslot(self, TS_FD), INT32_MAX, &fd))
            return 0;
        rc = send_now((int)fd, &x, tslot(self, TS_SNDINFO) != Py_False);
        if (rc <= 0)
            return rc;
    }
    if (set_slot(credit, tb.left_off, PyLong_FromSsize_t(left - 1)) < 0)
        return -1;
    return 1;
}

PyDoc_STRVAR(tb_send_doc,
"send(data, *, stream=0, ppid=0, unordered=False, context=0, ttl=0)\n--\n\n"
"Send ``data`` as one SCTP message on ``stream`` with ``ppid``\n"
"(host order). ``unordered`` delivers it as soon as it arrives;\n"
"``ttl`` (ms) lets SCTP abandon it if not sent in time (PR-SCTP);\n"
"``context`` comes back in a SendFailed notification. Queued when the\n"
"socket is full. Raises TypeError/ValueError/OverflowError for bad\n"
"arguments, OSError(EMSGSIZE) for a message larger than the system's\n"
"largest send buffer, a ConnectionError when the association is\n"
"closing or closed.");

/* The common case in C (checked, then sent at once or queued); every
 * other case, with all its checks and errors, in the transport's Python
 * _send_slow() with the same arguments. */
static PyObject *
tb_send(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
        PyObject *kwnames)
{
    PyObject *a[6], *slow, *res;
    int rc = 0;

    if (send_args(args, nargs, kwnames, a)) {
        rc = fast_send(self, a);
        if (rc < 0)
            return NULL;
        if (rc > 0)
            Py_RETURN_NONE;
    }
    slow = PyObject_GetAttr(self, tb.send_slow);
    if (slow == NULL)
        return NULL;
    res = PyObject_Vectorcall(slow, args, (size_t)nargs, kwnames);
    Py_DECREF(slow);
    return res;
}

static PyMethodDef tb_methods[] = {
    {"send", (PyCFunction)(void (*)(void))tb_send,
     METH_FASTCALL | METH_KEYWORDS, tb_send_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(tb_doc,
"TransportBase: the C part of SCTPTransport (send() of the common case;\n"
"see bind_transport).");

/* No fields of its own: the layout stays object's (see above). */
static PyType_Slot tb_slots[] = {
    {Py_tp_methods, tb_methods}, {Py_tp_doc, (void *)tb_doc}, {0, NULL}};
static PyType_Spec tb_spec = {"aiosctp._sctp.TransportBase", sizeof(PyObject),
                              0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
                              tb_slots};

static int
tb_init_names(void)
{
    static const char *const kw[5] = {"stream", "ppid", "unordered",
                                      "context", "ttl"};
    int k;
    for (k = 0; k < TS_COUNT; k++)
        if (tb.name[k] == NULL &&
            (tb.name[k] = PyUnicode_InternFromString(ts_names[k])) == NULL)
            return -1;
    for (k = 0; k < 5; k++)
        if (tb.kw[k] == NULL &&
            (tb.kw[k] = PyUnicode_InternFromString(kw[k])) == NULL)
            return -1;
    if (tb.zero == NULL && (tb.zero = PyLong_FromLong(0)) == NULL)
        return -1;
    {
        struct { PyObject **at; const char *text; } more[] = {
            {&tb.left_name, "left"}, {&tb.reading_name, "_reading"},
            {&tb.cut_name, "_cut"}, {&tb.send_slow, "_send_slow"},
            {&tb.maybe_pause, "_maybe_pause_protocol"}};
        for (k = 0; k < (int)(sizeof(more) / sizeof(more[0])); k++)
            if (*more[k].at == NULL &&
                (*more[k].at = PyUnicode_InternFromString(more[k].text)) == NULL)
                return -1;
    }
    return 0;
}


PyDoc_STRVAR(info_cost_doc,
"_info_cost(cls, n) -> float\n\n"
"Build and free n receive informations of cls the way Reader.deliver\n"
"does (info_build, TSN past the small-int cache) and return the mean\n"
"nanoseconds per info (benchmarks/native.py reports it).");

static PyObject *
fp_info_cost(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *base;
    Py_ssize_t n, i;
    struct timespec t0, t1;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "_info_cost() takes 2 arguments");
        return NULL;
    }
    base = PyObject_GetAttrString(module, "InfoBase");
    if (base == NULL)
        return NULL;
    if (check_info_class(args[0], base) < 0) {
        Py_DECREF(base);
        return NULL;
    }
    Py_DECREF(base);
    n = PyLong_AsSsize_t(args[1]);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 1) {
        PyErr_SetString(PyExc_ValueError, "n must be positive");
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < n; i++) {
        PyObject *o = info_build((PyTypeObject *)args[0], NULL, (unsigned long)(i & 7),
                                 46, 0, 0, 100000 + (unsigned long)i,
                                 (unsigned long)(i & 0xFFFF), 3);
        if (o == NULL)
            return NULL;
        Py_DECREF(o);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return PyFloat_FromDouble(((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
                               (double)(t1.tv_nsec - t0.tv_nsec)) / (double)n);
}

PyMethodDef aiosctp_fastpath_methods[] = {
    {"_info_cost", (PyCFunction)(void (*)(void))fp_info_cost, METH_FASTCALL,
     info_cost_doc},
    {"try_send", (PyCFunction)(void (*)(void))fp_try_send, METH_FASTCALL,
     try_send_doc},
    {"new_info", (PyCFunction)(void (*)(void))fp_new_info, METH_FASTCALL,
     new_info_doc},
    {"bind_transport", (PyCFunction)(void (*)(void))fp_bind_transport,
     METH_FASTCALL, bind_transport_doc},
    {NULL, NULL, 0, NULL},
};

/* Make the type of spec (with m as its module) and add it as name. */
static int
add_type(PyObject *m, PyType_Spec *spec, const char *name)
{
    PyObject *type = PyType_FromModuleAndSpec(m, spec, NULL);
    int rc;
    if (type == NULL)
        return -1;
    rc = PyModule_AddObjectRef(m, name, type);
    Py_DECREF(type);
    return rc;
}

int
aiosctp_fastpath_init_types(PyObject *m)
{
    if (add_type(m, &info_spec, "InfoBase") < 0 ||
        add_type(m, &reader_spec, "Reader") < 0 ||
        add_type(m, &queue_spec, "SendQueue") < 0 ||
        add_type(m, &tb_spec, "TransportBase") < 0 ||
        add_type(m, &step_spec, "ReadStep") < 0 || tb_init_names() < 0)
        return -1;
    return 0;
}
