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

/* A new instance of cls (InfoBase or a subclass without a dict) from the
 * receive information; NULL with an exception set. */
static PyObject *
info_build(PyTypeObject *cls, unsigned long stream, unsigned long ppid,
           int unordered, unsigned long context, unsigned long tsn,
           unsigned long ssn, long assoc_id)
{
    InfoObject *o = (InfoObject *)cls->tp_alloc(cls, 0);
    if (o == NULL)
        return NULL;
    if ((o->stream = PyLong_FromUnsignedLong(stream)) == NULL ||
        (o->ppid = PyLong_FromUnsignedLong(ppid)) == NULL ||
        (o->context = PyLong_FromUnsignedLong(context)) == NULL ||
        (o->tsn = PyLong_FromUnsignedLong(tsn)) == NULL ||
        (o->ssn = PyLong_FromUnsignedLong(ssn)) == NULL ||
        (o->assoc_id = PyLong_FromLong(assoc_id)) == NULL) {
        Py_DECREF(o);
        return NULL;
    }
    o->unordered = Py_NewRef(unordered ? Py_True : Py_False);
    o->info_lost = Py_NewRef(Py_False);
    return (PyObject *)o;
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
    PyObject *state_name;   /* "_state" */
    PyObject *paused_name;  /* "_reading_paused" */
    PyObject *on_message_name;
    PyObject *names[5];     /* _rx, _partial, _reading_paused, _started,
                               _max_message_size ... see takes_messages */
    PyObject *handlers_name;
    PyObject *max_size_name;
    struct fp_block *b;     /* the buffers, held during a call only */
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
    Py_XDECREF(r->state_name);
    Py_XDECREF(r->paused_name);
    Py_XDECREF(r->on_message_name);
    Py_XDECREF(r->names[0]);
    Py_XDECREF(r->names[1]);
    Py_XDECREF(r->names[2]);
    Py_XDECREF(r->names[3]);
    Py_XDECREF(r->handlers_name);
    Py_XDECREF(r->max_size_name);
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
    r->state_name = PyUnicode_InternFromString("_state");
    r->paused_name = PyUnicode_InternFromString("_reading_paused");
    r->on_message_name = PyUnicode_InternFromString("_on_message");
    r->names[0] = PyUnicode_InternFromString("_rx");
    r->names[1] = PyUnicode_InternFromString("_partial");
    r->names[2] = PyUnicode_InternFromString("_reading_paused");
    r->names[3] = PyUnicode_InternFromString("_started");
    r->handlers_name = PyUnicode_InternFromString("_stream_handlers");
    r->max_size_name = PyUnicode_InternFromString("_max_message_size");
    if (!r->state_name || !r->paused_name || !r->on_message_name ||
        !r->names[0] || !r->names[1] || !r->names[2] || !r->names[3] ||
        !r->handlers_name || !r->max_size_name)
        goto fail;
    return (PyObject *)r;
fail:
    Py_DECREF(r);
    return NULL;
}

struct fp_mmsg {
    struct mmsghdr *mm;
    unsigned int count;
};

static Py_ssize_t
fp_recvmmsg_call(int fd, int nonblock, void *data)
{
    struct fp_mmsg *c = data;
    (void)nonblock; /* always 0.0: nonblocking */
    return recvmmsg(fd, c->mm, c->count, MSG_DONTWAIT, NULL);
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
    struct fp_mmsg call;
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
    n = aiosctp_call(r->fd, 0, 0.0, fp_recvmmsg_call, &call, NULL);
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
    info = info_build(r->info_class, ri->rcv_sid, ntohl(ri->rcv_ppid),
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
        cb = PyObject_GetAttr(transport, r->on_message_name);
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

/* 1 when the transport must stop delivering (paused, not open), 0 not, -1
 * error. */
static int
must_stop(ReaderObject *r, PyObject *transport)
{
    PyObject *v = PyObject_GetAttr(transport, r->paused_name);
    int t;
    long state;
    if (v == NULL)
        return -1;
    t = PyObject_IsTrue(v);
    Py_DECREF(v);
    if (t != 0)
        return t;
    v = PyObject_GetAttr(transport, r->state_name);
    if (v == NULL)
        return -1;
    state = PyLong_AsLong(v);
    Py_DECREF(v);
    if (state == -1 && PyErr_Occurred())
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

static PyObject *
reader_deliver_impl(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    ReaderObject *r = (ReaderObject *)self;
    aiosctp_state *st;
    PyObject *transport, *handlers, *rest = NULL, *exc = Py_None, *res;
    Py_ssize_t batch, max_size, n, i, nbytes = 0;

    if (nargs != 4) {
        PyErr_Format(PyExc_TypeError,
                     "deliver() takes 4 arguments (%zd given)", nargs);
        return NULL;
    }
    batch = PyLong_AsSsize_t(args[0]);
    if (batch == -1 && PyErr_Occurred())
        return NULL;
    if (batch < 1 || batch > FP_MAX_BATCH) {
        PyErr_Format(PyExc_ValueError, "batch must be in 1..%d, not %zd",
                     FP_MAX_BATCH, batch);
        return NULL;
    }
    transport = args[1];
    handlers = args[2];
    if (!PyDict_Check(handlers)) {
        PyErr_SetString(PyExc_TypeError, "handlers must be a dict");
        return NULL;
    }
    max_size = PyLong_AsSsize_t(args[3]);
    if (max_size == -1 && PyErr_Occurred())
        return NULL;
    if (r->busy) {
        PyErr_SetString(PyExc_RuntimeError, "deliver() is already running");
        return NULL;
    }
    st = aiosctp_get_state(r->module);
    n = reader_read(r, batch, &nbytes);
    if (n < 0)
        return NULL;

    r->busy = 1;
    for (i = 0; i < n; i++) {
        struct sctp_rcvinfo ri;
        int done, stop;

        if ((Py_ssize_t)r->b->mm[i].msg_len > max_size || !is_whole_data(r, i, &ri))
            break;
        done = call_message(r, i, &ri, transport, handlers, &exc);
        if (done < 0)
            goto error;
        if (done == 0) {
            /* the callback failed: Python decides (fatal error, or a
             * BaseException re-raised after the rest is queued) */
            i++;
            break;
        }
        stop = must_stop(r, transport);
        if (stop < 0)
            goto error;
        if (stop) {
            i++;
            break;
        }
    }
    r->busy = 0;
    rest = reader_rest(r, st, i, n);
    if (rest == NULL)
        goto fail;
    res = Py_BuildValue("(nnNN)", n, nbytes, rest,
                        exc == Py_None ? Py_NewRef(Py_None) : exc);
    return res;

error:
    r->busy = 0;
    if (exc != Py_None)
        Py_DECREF(exc);
    return NULL;
fail:
    if (exc != Py_None)
        Py_DECREF(exc);
    return NULL;
}

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

/* The transport's attributes deliver_many needs: 1 it takes messages now
 * (*handlers and *max_size set, handlers a new reference), 0 not, -1
 * error. */
static int
takes_messages(ReaderObject *r, PyObject *t, PyObject **handlers,
               Py_ssize_t *max_size)
{
    PyObject *v;
    int k, b;
    long state;

    v = PyObject_GetAttr(t, r->state_name);
    if (v == NULL)
        return -1;
    state = PyLong_AsLong(v);
    Py_DECREF(v);
    if (state == -1 && PyErr_Occurred())
        return -1;
    if (state != 0)
        return 0;
    /* _rx, _partial, _reading_paused must be false, _started true */
    for (k = 0; k < 4; k++) {
        v = PyObject_GetAttr(t, r->names[k]);
        if (v == NULL)
            return -1;
        b = PyObject_IsTrue(v);
        Py_DECREF(v);
        if (b < 0)
            return -1;
        if (b != (k == 3))
            return 0;
    }
    v = PyObject_GetAttr(t, r->max_size_name);
    if (v == NULL)
        return -1;
    *max_size = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (*max_size == -1 && PyErr_Occurred())
        return -1;
    *handlers = PyObject_GetAttr(t, r->handlers_name);
    if (*handlers == NULL)
        return -1;
    if (!PyDict_Check(*handlers)) {
        Py_CLEAR(*handlers);
        return 0;
    }
    return 1;
}

static PyObject *
reader_deliver_many_impl(PyObject *self, PyObject *const *args,
                         Py_ssize_t nargs)
{
    ReaderObject *r = (ReaderObject *)self;
    aiosctp_state *st;
    PyObject *transports, *rest, *exc = Py_None, *exc_t = Py_None;
    Py_ssize_t batch, n, i, nbytes = 0;

    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "deliver_many() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    batch = PyLong_AsSsize_t(args[0]);
    if (batch == -1 && PyErr_Occurred())
        return NULL;
    if (batch < 1 || batch > FP_MAX_BATCH) {
        PyErr_Format(PyExc_ValueError, "batch must be in 1..%d, not %zd",
                     FP_MAX_BATCH, batch);
        return NULL;
    }
    transports = args[1];
    if (!PyDict_Check(transports)) {
        PyErr_SetString(PyExc_TypeError, "transports must be a dict");
        return NULL;
    }
    if (r->busy) {
        PyErr_SetString(PyExc_RuntimeError, "deliver() is already running");
        return NULL;
    }
    st = aiosctp_get_state(r->module);
    n = reader_read(r, batch, &nbytes);
    if (n < 0)
        return NULL;
    r->busy = 1;
    for (i = 0; i < n; i++) {
        struct sctp_rcvinfo ri;
        PyObject *key, *t, *handlers = NULL;
        Py_ssize_t max_size = 0;
        int ok;

        if (!is_whole_data(r, i, &ri))
            break;
        key = PyLong_FromLong((long)ri.rcv_assoc_id);
        if (key == NULL)
            goto error;
        t = PyDict_GetItemWithError(transports, key); /* borrowed */
        Py_DECREF(key);
        if (t == NULL) {
            if (PyErr_Occurred())
                goto error;
            break;
        }
        Py_INCREF(t);
        ok = takes_messages(r, t, &handlers, &max_size);
        if (ok <= 0 || (Py_ssize_t)r->b->mm[i].msg_len > max_size) {
            Py_DECREF(t);
            Py_XDECREF(handlers);
            if (ok < 0)
                goto error;
            break;
        }
        ok = call_message(r, i, &ri, t, handlers, &exc);
        Py_DECREF(handlers);
        if (ok <= 0) {
            if (ok < 0) {
                Py_DECREF(t);
                goto error;
            }
            exc_t = t; /* the reference moves to the result */
            i++;
            break;
        }
        Py_DECREF(t);
    }
    r->busy = 0;
    rest = reader_rest(r, st, i, n);
    if (rest == NULL)
        goto fail;
    return Py_BuildValue("(nnNNN)", n, nbytes, rest,
                         exc == Py_None ? Py_NewRef(Py_None) : exc,
                         exc_t == Py_None ? Py_NewRef(Py_None) : exc_t);
error:
    r->busy = 0;
fail:
    if (exc != Py_None)
        Py_DECREF(exc);
    if (exc_t != Py_None)
        Py_DECREF(exc_t);
    return NULL;
}

/* deliver/deliver_many with the buffers lent for the call. */
static PyObject *
with_block(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
           PyObject *(*impl)(PyObject *, PyObject *const *, Py_ssize_t))
{
    ReaderObject *r = (ReaderObject *)self;
    PyObject *res;
    if (r->busy) {
        PyErr_SetString(PyExc_RuntimeError, "deliver() is already running");
        return NULL;
    }
    r->b = block_take((size_t)r->bufsize, r->cspace);
    if (r->b == NULL)
        return NULL;
    res = impl(self, args, nargs);
    block_put(r->b);
    r->b = NULL;
    return res;
}

static PyObject *
reader_deliver(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return with_block(self, args, nargs, reader_deliver_impl);
}

static PyObject *
reader_deliver_many(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    return with_block(self, args, nargs, reader_deliver_many_impl);
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

struct fp_send {
    struct msghdr msg;
};

static Py_ssize_t
fp_sendmsg_call(int fd, int nonblock, void *data)
{
    (void)nonblock;
    return sendmsg(fd, &((struct fp_send *)data)->msg,
                   MSG_NOSIGNAL | MSG_DONTWAIT);
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
    unsigned long fd, stream, ppid, context, ttl, ostreams, sndbuf;
    long assoc_id;
    PyObject *data;
    Py_ssize_t len;
    struct fp_send c;
    struct iovec iov;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(struct sctp_sndinfo)) +
                 CMSG_SPACE(sizeof(struct sctp_prinfo))];
    } cbuf;
    struct cmsghdr *cmsg;
    struct sctp_sndinfo si;
    size_t used;
    Py_ssize_t n;

    if (nargs != 10) {
        PyErr_Format(PyExc_TypeError,
                     "try_send() takes 10 arguments (%zd given)", nargs);
        return NULL;
    }
    data = args[1];
    if (!PyBytes_CheckExact(data) ||
        !plain_uint(args[0], INT32_MAX, &fd) ||
        !plain_uint(args[2], 0xFFFF, &stream) ||
        !plain_uint(args[3], 0xFFFFFFFFUL, &ppid) ||
        (args[4] != Py_True && args[4] != Py_False) ||
        !plain_uint(args[5], 0xFFFFFFFFUL, &context) ||
        !plain_uint(args[6], 0xFFFFFFFFUL, &ttl) ||
        !PyLong_CheckExact(args[7]) ||
        !plain_uint(args[8], 0xFFFF, &ostreams) ||
        !plain_uint(args[9], PY_SSIZE_T_MAX, &sndbuf))
        Py_RETURN_FALSE;
    assoc_id = PyLong_AsLong(args[7]);
    if ((assoc_id == -1 && PyErr_Occurred()) || assoc_id < INT32_MIN ||
        assoc_id > INT32_MAX) {
        PyErr_Clear();
        Py_RETURN_FALSE;
    }
    len = PyBytes_GET_SIZE(data);
    if (len == 0 || (size_t)len > sndbuf || (ostreams && stream >= ostreams))
        Py_RETURN_FALSE;

    memset(&c, 0, sizeof(c));
    iov.iov_base = PyBytes_AS_STRING(data);
    iov.iov_len = (size_t)len;
    c.msg.msg_iov = &iov;
    c.msg.msg_iovlen = 1;
    c.msg.msg_control = cbuf.buf;
    c.msg.msg_controllen = sizeof(cbuf.buf);
    cmsg = CMSG_FIRSTHDR(&c.msg);
    memset(&si, 0, sizeof(si));
    si.snd_sid = (uint16_t)stream;
    si.snd_flags = args[4] == Py_True ? SCTP_UNORDERED : 0;
    si.snd_ppid = htonl((uint32_t)ppid);
    si.snd_context = (uint32_t)context;
    si.snd_assoc_id = (sctp_assoc_t)assoc_id;
    cmsg->cmsg_level = IPPROTO_SCTP;
    cmsg->cmsg_type = SCTP_SNDINFO;
    cmsg->cmsg_len = CMSG_LEN(sizeof(si));
    memcpy(CMSG_DATA(cmsg), &si, sizeof(si));
    used = CMSG_SPACE(sizeof(si));
    if (ttl) {
        struct sctp_prinfo pr;
        cmsg = (struct cmsghdr *)(cbuf.buf + used);
        memset(&pr, 0, sizeof(pr));
        pr.pr_policy = SCTP_PR_SCTP_TTL;
        pr.pr_value = (uint32_t)ttl;
        cmsg->cmsg_level = IPPROTO_SCTP;
        cmsg->cmsg_type = SCTP_PRINFO;
        cmsg->cmsg_len = CMSG_LEN(sizeof(pr));
        memcpy(CMSG_DATA(cmsg), &pr, sizeof(pr));
        used += CMSG_SPACE(sizeof(pr));
    }
    c.msg.msg_controllen = used;
    {
        int err = 0;
        n = aiosctp_call((int)fd, 1, 0.0, fp_sendmsg_call, &c, &err);
        if (n < 0) {
            if (err == 0)
                return NULL; /* a signal handler raised */
            Py_RETURN_FALSE;
        }
    }
    Py_RETURN_TRUE;
}


/* ---- the write queue ------------------------------------------------------- */

typedef struct {
    PyObject *data; /* bytes */
    uint16_t stream;
    uint16_t flags;
    uint32_t ppid;
    uint32_t context;
    uint32_t ttl;
    int32_t assoc_id;
} fp_entry;

typedef struct {
    PyObject_HEAD
    fp_entry *e;
    Py_ssize_t head, len, cap;
} QueueObject;

static void
queue_clear_entries(QueueObject *q)
{
    /* take the entries out first: a data's dealloc cannot run Python code
     * (bytes), but keep the queue consistent anyway */
    Py_ssize_t i, head = q->head, len = q->len;
    fp_entry *e = q->e;
    q->head = q->len = 0;
    for (i = 0; i < len; i++)
        Py_DECREF(e[head + i].data);
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
queue_put(QueueObject *q, PyObject *data, uint16_t stream, uint16_t flags,
          uint32_t ppid, uint32_t context, uint32_t ttl, int32_t assoc_id)
{
    fp_entry *x = &q->e[q->head + q->len];
    x->data = Py_NewRef(data);
    x->stream = stream;
    x->flags = flags;
    x->ppid = ppid;
    x->context = context;
    x->ttl = ttl;
    x->assoc_id = assoc_id;
    q->len++;
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
    unsigned long stream, ppid, context, ttl, ostreams, sndbuf;
    long assoc_id;
    Py_ssize_t len;

    if (nargs != 9) {
        PyErr_Format(PyExc_TypeError,
                     "push() takes 9 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyBytes_CheckExact(args[0]) ||
        !plain_uint(args[1], 0xFFFF, &stream) ||
        !plain_uint(args[2], 0xFFFFFFFFUL, &ppid) ||
        (args[3] != Py_True && args[3] != Py_False) ||
        !plain_uint(args[4], 0xFFFFFFFFUL, &context) ||
        !plain_uint(args[5], 0xFFFFFFFFUL, &ttl) ||
        !PyLong_CheckExact(args[6]) ||
        !plain_uint(args[7], 0xFFFF, &ostreams) ||
        !plain_uint(args[8], PY_SSIZE_T_MAX, &sndbuf))
        return PyLong_FromLong(0);
    assoc_id = PyLong_AsLong(args[6]);
    if ((assoc_id == -1 && PyErr_Occurred()) || assoc_id < INT32_MIN ||
        assoc_id > INT32_MAX) {
        PyErr_Clear();
        return PyLong_FromLong(0);
    }
    len = PyBytes_GET_SIZE(args[0]);
    if (len == 0 || (size_t)len > sndbuf || (ostreams && stream >= ostreams))
        return PyLong_FromLong(0);
    if (queue_reserve(q) < 0)
        return NULL;
    queue_put(q, args[0], (uint16_t)stream,
              args[3] == Py_True ? SCTP_UNORDERED : 0, (uint32_t)ppid,
              (uint32_t)context, (uint32_t)ttl, (int32_t)assoc_id);
    return PyLong_FromSsize_t(len);
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
    queue_put(q, args[0], stream, flags, ppid, context, ttl,
              (int32_t)assoc_id);
    Py_RETURN_NONE;
}

struct fp_mmsg_send {
    struct mmsghdr *mm;
    unsigned int count;
};

static Py_ssize_t
fp_sendmmsg_call(int fd, int nonblock, void *data)
{
    struct fp_mmsg_send *c = data;
    (void)nonblock;
    return sendmmsg(fd, c->mm, c->count, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Fill msg's control data for x into cb (as msgio.c's sendmsg does). */
static void
fill_send_cmsg(struct msghdr *msg, aiosctp_send_cmsg *cb, const fp_entry *x)
{
    struct aiosctp_send_args a;

    memset(&a, 0, sizeof(a));
    a.stream = x->stream;
    a.flags = x->flags;
    a.ppid = x->ppid;
    a.context = x->context;
    a.ttl = x->ttl;
    a.assoc_id = x->assoc_id;
    aiosctp_build_send_cmsg(msg, cb, &a);
}

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
    struct fp_mmsg_send c;
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
        mm[i].msg_hdr.msg_iov = &iov[i];
        mm[i].msg_hdr.msg_iovlen = 1;
        fill_send_cmsg(&mm[i].msg_hdr, &cb[i], x);
    }
    c.mm = mm;
    c.count = (unsigned int)count;
    /* the data stay referenced by the queue while the GIL is released; a
     * callback cannot run meanwhile (no Python code in between) */
    n = aiosctp_call(fd, 1, 0.0, fp_sendmmsg_call, &c, NULL);
    if (n < 0)
        return NULL;
    for (i = 0; i < n; i++) {
        fp_entry *x = &q->e[q->head];
        nbytes += PyBytes_GET_SIZE(x->data);
        q->head++;
        q->len--;
        Py_DECREF(x->data);
    }
    if (q->len == 0)
        q->head = 0;
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

static PyType_Slot queue_slots[] = {
    {Py_tp_dealloc, queue_dealloc},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_methods, queue_methods},
    {Py_tp_iter, queue_iter},
    {Py_sq_length, queue_length},
    {Py_tp_doc,
     "SendQueue(): the transport's write queue of messages (bytes and their "
     "send information), flushed with sendmmsg()."},
    {0, NULL},
};

static PyType_Spec queue_spec = {
    .name = "aiosctp._sctp.SendQueue",
    .basicsize = sizeof(QueueObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = queue_slots,
};


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
        PyObject *o = info_build((PyTypeObject *)args[0], (unsigned long)(i & 7),
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
        add_type(m, &queue_spec, "SendQueue") < 0)
        return -1;
    return 0;
}
