/* aiosctp._sctp: the SCTP socket options (RFC 6458 sections 7 and 8 and the
 * Linux extensions), at level SOL_SCTP.
 *
 * One small function per structured option; the many options whose value is
 * a plain int, or a struct sctp_assoc_value, go through two table-driven
 * helpers that accept only the option numbers listed in their table.
 * Everything returns plain Python values (ints, tuples, lists); the typed
 * objects are built by aiosctp/options.py.
 *
 * Conventions (see aiosctp.h): fd first, then the association id where the
 * option has one; addresses are socket-module tuples, None standing for "no
 * address" (the all-zero sockaddr the kernel reads as "the association or
 * endpoint default").  PPIDs and UDP ports are host-order ints here: the
 * conversion to the network order the kernel wants is done in this file. */
#include "aiosctp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

/* ---- small helpers -------------------------------------------------------- */

/* "O&" converter for a uint8_t (DSCP, chunk types). */
static int
conv_u8(PyObject *obj, void *out)
{
    uint16_t v;
    if (!aiosctp_conv_u16(obj, &v))
        return 0;
    if (v > UINT8_MAX) {
        PyErr_Format(PyExc_OverflowError, "%R is out of range 0..255", obj);
        return 0;
    }
    *(uint8_t *)out = (uint8_t)v;
    return 1;
}


/* "O&" converter for an optional peer address: None -> all zero. */
static int
conv_opt_addr(PyObject *obj, void *out)
{
    struct sockaddr_storage *ss = out;
    socklen_t len;

    if (obj == Py_None) {
        memset(ss, 0, sizeof(*ss));
        return 1;
    }
    return aiosctp_parse_sockaddr(obj, AF_UNSPEC, ss, &len) == 0;
}

/* "O&" converter for a required address. */
static int
conv_addr(PyObject *obj, void *out)
{
    if (obj == Py_None) {
        PyErr_SetString(PyExc_TypeError, "an address tuple is required");
        return 0;
    }
    return conv_opt_addr(obj, out);
}

/* The SCTP structures are packed: copy addresses in and out with memcpy
 * through an aligned sockaddr_storage. */
static void
put_addr(void *dst, const struct sockaddr_storage *ss)
{
    memcpy(dst, ss, sizeof(*ss));
}

/* Address tuple of a sockaddr_storage inside a kernel reply; None when the
 * kernel left it empty. */
static PyObject *
get_addr(const void *src)
{
    struct sockaddr_storage ss;

    memcpy(&ss, src, sizeof(ss));
    if (ss.ss_family == AF_UNSPEC)
        Py_RETURN_NONE;
    return aiosctp_make_sockaddr((const struct sockaddr *)&ss, sizeof(ss));
}

/* getsockopt that also checks the kernel returned at least `need` bytes. */
static int
get_checked(int fd, int opt, void *val, socklen_t size, socklen_t need)
{
    socklen_t len = size;

    if (aiosctp_getsockopt(fd, opt, val, &len) < 0)
        return -1;
    if (len < need) {
        PyObject *exc = Py_BuildValue(
            "(iN)", EPROTO,
            PyUnicode_FromFormat("SCTP option %d: the kernel returned %u "
                                 "bytes, expected %u", opt, (unsigned)len,
                                 (unsigned)need));
        if (exc != NULL) {
            PyErr_SetObject(PyExc_OSError, exc);
            Py_DECREF(exc);
        }
        return -1;
    }
    return 0;
}

#define GET_STRUCT(fd, opt, s) get_checked((fd), (opt), &(s), sizeof(s), sizeof(s))

/* The getters of a struct option taking (fd[, assoc_id]): zero s (size
 * bytes), parse fd and, where assoc_id is not NULL, the association id into
 * that field of s, then read option opt into s.  fmt: "O&[O&]:name".
 * Returns 0, or -1 with an exception set. */
static int
get_struct(PyObject *args, const char *fmt, int opt, void *s, socklen_t size,
           sctp_assoc_t *assoc_id)
{
    int fd, ok;

    memset(s, 0, size);
    if (assoc_id == NULL)
        ok = PyArg_ParseTuple(args, fmt, aiosctp_conv_fd, &fd);
    else
        ok = PyArg_ParseTuple(args, fmt, aiosctp_conv_fd, &fd,
                              aiosctp_conv_assoc, assoc_id);
    if (!ok)
        return -1;
    return get_checked(fd, opt, s, size, size);
}

#define GET_FD_STRUCT(args, name, opt, s)                                 \
    get_struct((args), "O&:" name, (opt), &(s), sizeof(s), NULL)
#define GET_ASSOC_STRUCT(args, name, opt, s, assoc_field)                 \
    get_struct((args), "O&O&:" name, (opt), &(s), sizeof(s),              \
               &(s).assoc_field)

/* setsockopt of val, then None: how the setters end. */
static PyObject *
set_struct(int fd, int opt, const void *val, socklen_t len)
{
    if (aiosctp_setsockopt(fd, opt, val, len) < 0)
        return NULL;
    Py_RETURN_NONE;
}

#define SET_STRUCT(fd, opt, s) set_struct((fd), (opt), &(s), sizeof(s))

/* so_NAME for the options that share one helper: helper(args, opt,
 * "FMT:NAME"), the PyArg_ParseTuple format naming the function. */
#define OPTION_FUNC(name, helper, opt, fmt)                               \
    static PyObject *                                                     \
    so_##name(PyObject *Py_UNUSED(module), PyObject *args)                \
    {                                                                     \
        return helper(args, (opt), fmt ":" #name);                        \
    }

/* so_get_NAME and so_set_NAME of an option this build lacks: both raise
 * OSError(ENOPROTOOPT) naming what (the option and the Linux version). */
#define NOT_BUILT(name, what)                                             \
    static PyObject *                                                     \
    so_get_##name(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(a))         \
    {                                                                     \
        return aiosctp_not_built(what);                                   \
    }                                                                     \
    static PyObject *                                                     \
    so_set_##name(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(a))         \
    {                                                                     \
        return aiosctp_not_built(what);                                   \
    }

/* ---- plain int options (table driven) ----------------------------------- */

enum { ACC_GET = 1, ACC_SET = 2, ACC_BOTH = 3 };

struct int_option {
    int opt;
    int access;
    int is_unsigned; /* value range 0..UINT32_MAX instead of int32 */
};

static const struct int_option int_options[] = {
    {SCTP_NODELAY, ACC_BOTH, 0},
    {SCTP_AUTOCLOSE, ACC_BOTH, 1},
    {SCTP_DISABLE_FRAGMENTS, ACC_BOTH, 0},
    {SCTP_I_WANT_MAPPED_V4_ADDR, ACC_BOTH, 0},
    {SCTP_FRAGMENT_INTERLEAVE, ACC_BOTH, 0},
    {SCTP_PARTIAL_DELIVERY_POINT, ACC_BOTH, 1},
    {SCTP_GET_ASSOC_NUMBER, ACC_GET, 1},
#ifdef SCTP_AUTO_ASCONF
    {SCTP_AUTO_ASCONF, ACC_BOTH, 0},
#endif
#ifdef SCTP_RECVRCVINFO
    {SCTP_RECVRCVINFO, ACC_BOTH, 0},
#endif
#ifdef SCTP_RECVNXTINFO
    {SCTP_RECVNXTINFO, ACC_BOTH, 0},
#endif
#ifdef HAVE_SCTP_REUSE_PORT
    {SCTP_REUSE_PORT, ACC_BOTH, 0},
#endif
};

/* struct sctp_assoc_value options: (assoc_id, uint32 value). */
static const int assoc_value_options[] = {
    SCTP_MAXSEG,
    SCTP_MAX_BURST,
    SCTP_CONTEXT,
#ifdef SCTP_PR_SUPPORTED
    SCTP_PR_SUPPORTED,
#endif
#ifdef SCTP_RECONFIG_SUPPORTED
    SCTP_RECONFIG_SUPPORTED,
#endif
#ifdef SCTP_ENABLE_STREAM_RESET
    SCTP_ENABLE_STREAM_RESET,
#endif
#ifdef SCTP_STREAM_SCHEDULER
    SCTP_STREAM_SCHEDULER,
#endif
#ifdef SCTP_INTERLEAVING_SUPPORTED
    SCTP_INTERLEAVING_SUPPORTED,
#endif
#ifdef HAVE_SCTP_ASCONF_SUPPORTED
    SCTP_ASCONF_SUPPORTED,
#endif
#ifdef HAVE_SCTP_AUTH_SUPPORTED
    SCTP_AUTH_SUPPORTED,
#endif
#ifdef HAVE_SCTP_ECN_SUPPORTED
    SCTP_ECN_SUPPORTED,
#endif
#ifdef HAVE_SCTP_EXPOSE_POTENTIALLY_FAILED_STATE
    SCTP_EXPOSE_POTENTIALLY_FAILED_STATE,
#endif
};

static const struct int_option *
find_int_option(int opt, int access)
{
    size_t i;
    for (i = 0; i < sizeof(int_options) / sizeof(int_options[0]); i++) {
        if (int_options[i].opt == opt) {
            if ((int_options[i].access & access) == 0)
                break;
            return &int_options[i];
        }
    }
    PyErr_Format(PyExc_ValueError, "%d is not an int-valued SCTP option "
                 "that can be %s", opt, access == ACC_GET ? "read" : "set");
    return NULL;
}

static int
check_assoc_value_option(int opt)
{
    size_t i;
    for (i = 0; i < sizeof(assoc_value_options) / sizeof(int); i++) {
        if (assoc_value_options[i] == opt)
            return 0;
    }
    PyErr_Format(PyExc_ValueError,
                 "%d is not an SCTP option taking struct sctp_assoc_value",
                 opt);
    return -1;
}

PyDoc_STRVAR(getsockopt_int_doc,
"getsockopt_int(fd, opt) -> int\n\n"
"Read an int-valued SCTP option (SCTP_NODELAY, SCTP_AUTOCLOSE,\n"
"SCTP_DISABLE_FRAGMENTS, SCTP_I_WANT_MAPPED_V4_ADDR, SCTP_FRAGMENT_INTERLEAVE,\n"
"SCTP_PARTIAL_DELIVERY_POINT, SCTP_GET_ASSOC_NUMBER, SCTP_AUTO_ASCONF,\n"
"SCTP_RECVRCVINFO, SCTP_RECVNXTINFO, SCTP_REUSE_PORT).\n"
"Other option numbers raise ValueError.");

static PyObject *
so_getsockopt_int(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, opt;
    const struct int_option *o;
    union {
        int i;
        uint32_t u;
    } v;

    if (!PyArg_ParseTuple(args, "O&i:getsockopt_int", aiosctp_conv_fd, &fd,
                          &opt))
        return NULL;
    if ((o = find_int_option(opt, ACC_GET)) == NULL)
        return NULL;
    memset(&v, 0, sizeof(v));
    if (GET_STRUCT(fd, opt, v) < 0)
        return NULL;
    if (o->is_unsigned)
        return PyLong_FromUnsignedLong(v.u);
    return PyLong_FromLong(v.i);
}

PyDoc_STRVAR(setsockopt_int_doc,
"setsockopt_int(fd, opt, value) -> None\n\n"
"Set an int-valued SCTP option (see getsockopt_int). The value is an\n"
"int32, or a uint32 for SCTP_AUTOCLOSE and SCTP_PARTIAL_DELIVERY_POINT.");

static PyObject *
so_setsockopt_int(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, opt;
    PyObject *value;
    const struct int_option *o;
    union {
        int i;
        uint32_t u;
    } v;

    if (!PyArg_ParseTuple(args, "O&iO:setsockopt_int", aiosctp_conv_fd, &fd,
                          &opt, &value))
        return NULL;
    if ((o = find_int_option(opt, ACC_SET)) == NULL)
        return NULL;
    if (o->is_unsigned ? !aiosctp_conv_u32(value, &v.u)
                       : !aiosctp_conv_i32(value, &v.i))
        return NULL;
    return SET_STRUCT(fd, opt, v);
}

PyDoc_STRVAR(get_assoc_value_doc,
"get_assoc_value(fd, opt, assoc_id) -> int\n\n"
"Read an option that takes struct sctp_assoc_value (SCTP_MAXSEG,\n"
"SCTP_MAX_BURST, SCTP_CONTEXT, SCTP_PR_SUPPORTED, SCTP_RECONFIG_SUPPORTED,\n"
"SCTP_ENABLE_STREAM_RESET, SCTP_STREAM_SCHEDULER,\n"
"SCTP_INTERLEAVING_SUPPORTED, SCTP_ASCONF_SUPPORTED, SCTP_AUTH_SUPPORTED,\n"
"SCTP_ECN_SUPPORTED, SCTP_EXPOSE_POTENTIALLY_FAILED_STATE).");

static PyObject *
so_get_assoc_value(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, opt;
    struct sctp_assoc_value av;

    memset(&av, 0, sizeof(av));
    if (!PyArg_ParseTuple(args, "O&iO&:get_assoc_value", aiosctp_conv_fd,
                          &fd, &opt, aiosctp_conv_assoc, &av.assoc_id))
        return NULL;
    if (check_assoc_value_option(opt) < 0)
        return NULL;
    if (GET_STRUCT(fd, opt, av) < 0)
        return NULL;
    return PyLong_FromUnsignedLong(av.assoc_value);
}

PyDoc_STRVAR(set_assoc_value_doc,
"set_assoc_value(fd, opt, assoc_id, value) -> None\n\n"
"Set an option that takes struct sctp_assoc_value (see get_assoc_value);\n"
"value is a uint32.");

static PyObject *
so_set_assoc_value(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, opt;
    struct sctp_assoc_value av;

    memset(&av, 0, sizeof(av));
    if (!PyArg_ParseTuple(args, "O&iO&O&:set_assoc_value", aiosctp_conv_fd,
                          &fd, &opt, aiosctp_conv_assoc, &av.assoc_id,
                          aiosctp_conv_u32, &av.assoc_value))
        return NULL;
    if (check_assoc_value_option(opt) < 0)
        return NULL;
    return SET_STRUCT(fd, opt, av);
}

/* ---- SCTP_INITMSG ------------------------------------------------------------ */

PyDoc_STRVAR(get_initmsg_doc,
"get_initmsg(fd) -> (ostreams, instreams, max_attempts, max_init_timeo)\n\n"
"SCTP_INITMSG: the parameters of the INIT chunk of new associations.");

static PyObject *
so_get_initmsg(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_initmsg im;

    if (GET_FD_STRUCT(args, "get_initmsg", SCTP_INITMSG, im) < 0)
        return NULL;
    return Py_BuildValue("(HHHH)", im.sinit_num_ostreams,
                         im.sinit_max_instreams, im.sinit_max_attempts,
                         im.sinit_max_init_timeo);
}

PyDoc_STRVAR(set_initmsg_doc,
"set_initmsg(fd, ostreams, instreams, max_attempts, max_init_timeo)\n\n"
"SCTP_INITMSG: each a uint16; 0 keeps the current value.");

static PyObject *
so_set_initmsg(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_initmsg im;

    memset(&im, 0, sizeof(im));
    if (!PyArg_ParseTuple(args, "O&O&O&O&O&:set_initmsg", aiosctp_conv_fd,
                          &fd, aiosctp_conv_u16, &im.sinit_num_ostreams,
                          aiosctp_conv_u16, &im.sinit_max_instreams,
                          aiosctp_conv_u16, &im.sinit_max_attempts,
                          aiosctp_conv_u16, &im.sinit_max_init_timeo))
        return NULL;
    return SET_STRUCT(fd, SCTP_INITMSG, im);
}

/* ---- SCTP_STATUS, SCTP_GET_PEER_ADDR_INFO ---------------------------------- */

/* (assoc_id, address, state, cwnd, srtt, rto, mtu) of a struct
 * sctp_paddrinfo (packed: fields are copied out one by one). */
static PyObject *
paddrinfo_tuple(const struct sctp_paddrinfo *pi)
{
    PyObject *addr, *res;
    struct sctp_paddrinfo copy;

    memcpy(&copy, pi, sizeof(copy));
    addr = get_addr((const char *)pi +
                    offsetof(struct sctp_paddrinfo, spinfo_address));
    if (addr == NULL)
        return NULL;
    res = Py_BuildValue("(iOiIIII)", (int)copy.spinfo_assoc_id, addr,
                        (int)copy.spinfo_state,
                        (unsigned int)copy.spinfo_cwnd,
                        (unsigned int)copy.spinfo_srtt,
                        (unsigned int)copy.spinfo_rto,
                        (unsigned int)copy.spinfo_mtu);
    Py_DECREF(addr);
    return res;
}

PyDoc_STRVAR(get_status_doc,
"get_status(fd, assoc_id) -> (assoc_id, state, rwnd, unackdata, penddata,\n"
"    instreams, outstreams, fragmentation_point, primary)\n\n"
"SCTP_STATUS; primary is a get_peer_addr_info() tuple. The association id\n"
"is ignored on one-to-one sockets.");

static PyObject *
so_get_status(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_status st;
    PyObject *prim, *res;

    if (GET_ASSOC_STRUCT(args, "get_status", SCTP_STATUS, st,
                         sstat_assoc_id) < 0)
        return NULL;
    prim = paddrinfo_tuple(&st.sstat_primary);
    if (prim == NULL)
        return NULL;
    res = Py_BuildValue("(iiIHHHHIN)", (int)st.sstat_assoc_id,
                        (int)st.sstat_state, (unsigned int)st.sstat_rwnd,
                        st.sstat_unackdata, st.sstat_penddata,
                        st.sstat_instrms, st.sstat_outstrms,
                        (unsigned int)st.sstat_fragmentation_point, prim);
    return res;
}

PyDoc_STRVAR(get_peer_addr_info_doc,
"get_peer_addr_info(fd, assoc_id, address) -> (assoc_id, address, state,\n"
"    cwnd, srtt, rto, mtu)\n\n"
"SCTP_GET_PEER_ADDR_INFO for one peer address of an association.");

static PyObject *
so_get_peer_addr_info(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_paddrinfo pi;
    struct sockaddr_storage ss;

    memset(&pi, 0, sizeof(pi));
    if (!PyArg_ParseTuple(args, "O&O&O&:get_peer_addr_info", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &pi.spinfo_assoc_id,
                          conv_addr, &ss))
        return NULL;
    put_addr((char *)&pi + offsetof(struct sctp_paddrinfo, spinfo_address),
             &ss);
    if (GET_STRUCT(fd, SCTP_GET_PEER_ADDR_INFO, pi) < 0)
        return NULL;
    return paddrinfo_tuple(&pi);
}

/* ---- SCTP_EVENT ------------------------------------------------------------- */

PyDoc_STRVAR(get_event_doc,
"get_event(fd, assoc_id, event_type) -> bool\n\n"
"SCTP_EVENT: whether notifications of one type (SCTP_ASSOC_CHANGE, ...)\n"
"are delivered.");

#ifdef HAVE_SCTP_EVENT
static PyObject *
so_get_event(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_event ev;

    memset(&ev, 0, sizeof(ev));
    if (!PyArg_ParseTuple(args, "O&O&O&:get_event", aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &ev.se_assoc_id,
                          aiosctp_conv_u16, &ev.se_type))
        return NULL;
    /* The kernel copies back only up to se_on. */
    if (get_checked(fd, SCTP_EVENT, &ev, sizeof(ev),
                    offsetof(struct sctp_event, se_on) + 1) < 0)
        return NULL;
    return PyBool_FromLong(ev.se_on);
}

PyDoc_STRVAR(set_event_doc,
"set_event(fd, assoc_id, event_type, on) -> None\n\n"
"SCTP_EVENT: subscribe to (on true) or unsubscribe from one notification\n"
"type.");

static PyObject *
so_set_event(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, on;
    struct sctp_event ev;

    memset(&ev, 0, sizeof(ev));
    if (!PyArg_ParseTuple(args, "O&O&O&p:set_event", aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &ev.se_assoc_id,
                          aiosctp_conv_u16, &ev.se_type, &on))
        return NULL;
    ev.se_on = (uint8_t)on;
    return SET_STRUCT(fd, SCTP_EVENT, ev);
}
#else
PyDoc_STRVAR(set_event_doc,
"set_event(fd, assoc_id, event_type, on) -> None\n\n"
"SCTP_EVENT: not in this build (OSError ENOPROTOOPT).");

NOT_BUILT(event, "SCTP_EVENT (Linux 5.1)")
#endif /* HAVE_SCTP_EVENT */

/* ---- SCTP_RTOINFO ----------------------------------------------------------- */

PyDoc_STRVAR(get_rtoinfo_doc,
"get_rtoinfo(fd, assoc_id) -> (initial, max, min)\n\n"
"SCTP_RTOINFO, in milliseconds.");

static PyObject *
so_get_rtoinfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_rtoinfo ri;

    if (GET_ASSOC_STRUCT(args, "get_rtoinfo", SCTP_RTOINFO, ri,
                         srto_assoc_id) < 0)
        return NULL;
    return Py_BuildValue("(III)", (unsigned int)ri.srto_initial,
                         (unsigned int)ri.srto_max,
                         (unsigned int)ri.srto_min);
}

PyDoc_STRVAR(set_rtoinfo_doc,
"set_rtoinfo(fd, assoc_id, initial, max, min) -> None\n\n"
"SCTP_RTOINFO, in milliseconds; 0 keeps a value.");

static PyObject *
so_set_rtoinfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_rtoinfo ri;

    memset(&ri, 0, sizeof(ri));
    if (!PyArg_ParseTuple(args, "O&O&O&O&O&:set_rtoinfo", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &ri.srto_assoc_id,
                          aiosctp_conv_u32, &ri.srto_initial,
                          aiosctp_conv_u32, &ri.srto_max, aiosctp_conv_u32,
                          &ri.srto_min))
        return NULL;
    return SET_STRUCT(fd, SCTP_RTOINFO, ri);
}

/* ---- SCTP_ASSOCINFO --------------------------------------------------------- */

PyDoc_STRVAR(get_associnfo_doc,
"get_associnfo(fd, assoc_id) -> (asocmaxrxt, number_peer_destinations,\n"
"    peer_rwnd, local_rwnd, cookie_life)\n\n"
"SCTP_ASSOCINFO.");

static PyObject *
so_get_associnfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_assocparams ap;

    if (GET_ASSOC_STRUCT(args, "get_associnfo", SCTP_ASSOCINFO, ap,
                         sasoc_assoc_id) < 0)
        return NULL;
    return Py_BuildValue("(HHIII)", ap.sasoc_asocmaxrxt,
                         ap.sasoc_number_peer_destinations,
                         (unsigned int)ap.sasoc_peer_rwnd,
                         (unsigned int)ap.sasoc_local_rwnd,
                         (unsigned int)ap.sasoc_cookie_life);
}

PyDoc_STRVAR(set_associnfo_doc,
"set_associnfo(fd, assoc_id, asocmaxrxt, cookie_life) -> None\n\n"
"SCTP_ASSOCINFO: the association's maximum retransmissions and the\n"
"cookie lifetime (ms); 0 keeps a value.");

static PyObject *
so_set_associnfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_assocparams ap;

    memset(&ap, 0, sizeof(ap));
    if (!PyArg_ParseTuple(args, "O&O&O&O&:set_associnfo", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &ap.sasoc_assoc_id,
                          aiosctp_conv_u16, &ap.sasoc_asocmaxrxt,
                          aiosctp_conv_u32, &ap.sasoc_cookie_life))
        return NULL;
    return SET_STRUCT(fd, SCTP_ASSOCINFO, ap);
}

/* ---- SCTP_PEER_ADDR_PARAMS -------------------------------------------------- */

PyDoc_STRVAR(get_peer_addr_params_doc,
"get_peer_addr_params(fd, assoc_id, address) -> (address, hbinterval,\n"
"    pathmaxrxt, pathmtu, sackdelay, flags, ipv6_flowlabel, dscp)\n\n"
"SCTP_PEER_ADDR_PARAMS of one peer address, or (address None) of the\n"
"association or the endpoint.");

static PyObject *
so_get_peer_addr_params(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_paddrparams pp, copy;
    struct sockaddr_storage ss;
    PyObject *addr;

    memset(&pp, 0, sizeof(pp));
    if (!PyArg_ParseTuple(args, "O&O&O&:get_peer_addr_params",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &pp.spp_assoc_id, conv_opt_addr, &ss))
        return NULL;
    put_addr((char *)&pp + offsetof(struct sctp_paddrparams, spp_address),
             &ss);
    if (GET_STRUCT(fd, SCTP_PEER_ADDR_PARAMS, pp) < 0)
        return NULL;
    memcpy(&copy, &pp, sizeof(copy));
    addr = get_addr((const char *)&pp +
                    offsetof(struct sctp_paddrparams, spp_address));
    if (addr == NULL)
        return NULL;
    return Py_BuildValue("(NIHIIIIB)", addr, (unsigned int)copy.spp_hbinterval,
                         copy.spp_pathmaxrxt, (unsigned int)copy.spp_pathmtu,
                         (unsigned int)copy.spp_sackdelay,
                         (unsigned int)copy.spp_flags,
#ifdef HAVE_SPP_DSCP
                         (unsigned int)copy.spp_ipv6_flowlabel,
                         copy.spp_dscp
#else
                         0u, (unsigned char)0 /* not in these headers */
#endif
                         );
}

PyDoc_STRVAR(set_peer_addr_params_doc,
"set_peer_addr_params(fd, assoc_id, address, hbinterval, pathmaxrxt,\n"
"    pathmtu, sackdelay, flags, ipv6_flowlabel, dscp) -> None\n\n"
"SCTP_PEER_ADDR_PARAMS; flags are SPP_* bits. address None: the\n"
"association's or endpoint's defaults.");

static PyObject *
so_set_peer_addr_params(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    struct sockaddr_storage ss;
    uint32_t hbinterval, pathmtu, sackdelay, flags, flowlabel;
    uint16_t pathmaxrxt;
    uint8_t dscp;
    struct sctp_paddrparams pp;

    if (!PyArg_ParseTuple(args, "O&O&O&O&O&O&O&O&O&O&:set_peer_addr_params",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc, &id,
                          conv_opt_addr, &ss, aiosctp_conv_u32, &hbinterval,
                          aiosctp_conv_u16, &pathmaxrxt, aiosctp_conv_u32,
                          &pathmtu, aiosctp_conv_u32, &sackdelay,
                          aiosctp_conv_u32, &flags, aiosctp_conv_u32,
                          &flowlabel, conv_u8, &dscp))
        return NULL;
    memset(&pp, 0, sizeof(pp));
    pp.spp_assoc_id = id;
    put_addr((char *)&pp + offsetof(struct sctp_paddrparams, spp_address),
             &ss);
    pp.spp_hbinterval = hbinterval;
    pp.spp_pathmaxrxt = pathmaxrxt;
    pp.spp_pathmtu = pathmtu;
    pp.spp_sackdelay = sackdelay;
    pp.spp_flags = flags;
#ifdef HAVE_SPP_DSCP
    pp.spp_ipv6_flowlabel = flowlabel;
    pp.spp_dscp = dscp;
#else
    if (flowlabel || dscp)
        return aiosctp_not_built(
            "SCTP_PEER_ADDR_PARAMS ipv6_flowlabel/dscp (Linux 4.19)");
#endif
    return SET_STRUCT(fd, SCTP_PEER_ADDR_PARAMS, pp);
}

/* ---- SCTP_DEFAULT_SNDINFO, SCTP_DEFAULT_PRINFO ---------------------------- */

PyDoc_STRVAR(get_default_sndinfo_doc,
"get_default_sndinfo(fd, assoc_id) -> (stream, flags, ppid, context,\n"
"    assoc_id)\n\n"
"SCTP_DEFAULT_SNDINFO; ppid in host byte order.");

static PyObject *
so_get_default_sndinfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_sndinfo si;

    if (GET_ASSOC_STRUCT(args, "get_default_sndinfo", SCTP_DEFAULT_SNDINFO, si,
                         snd_assoc_id) < 0)
        return NULL;
    return Py_BuildValue("(HHIIi)", si.snd_sid, si.snd_flags,
                         (unsigned int)ntohl(si.snd_ppid),
                         (unsigned int)si.snd_context, (int)si.snd_assoc_id);
}

PyDoc_STRVAR(set_default_sndinfo_doc,
"set_default_sndinfo(fd, assoc_id, stream, flags, ppid, context) -> None\n\n"
"SCTP_DEFAULT_SNDINFO: the defaults of send()/sendmsg() without ancillary\n"
"data; ppid in host byte order (converted to network order here).");

static PyObject *
so_set_default_sndinfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    uint32_t ppid;
    struct sctp_sndinfo si;

    memset(&si, 0, sizeof(si));
    if (!PyArg_ParseTuple(args, "O&O&O&O&O&O&:set_default_sndinfo",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &si.snd_assoc_id, aiosctp_conv_u16, &si.snd_sid,
                          aiosctp_conv_u16, &si.snd_flags, aiosctp_conv_u32,
                          &ppid, aiosctp_conv_u32, &si.snd_context))
        return NULL;
    si.snd_ppid = htonl(ppid);
    return SET_STRUCT(fd, SCTP_DEFAULT_SNDINFO, si);
}

#ifdef SCTP_DEFAULT_PRINFO
PyDoc_STRVAR(get_default_prinfo_doc,
"get_default_prinfo(fd, assoc_id) -> (policy, value)\n\n"
"SCTP_DEFAULT_PRINFO: the default PR-SCTP policy (SCTP_PR_SCTP_*) and its\n"
"value (TTL in ms, or number of retransmissions).");

static PyObject *
so_get_default_prinfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_default_prinfo pi;

    if (GET_ASSOC_STRUCT(args, "get_default_prinfo", SCTP_DEFAULT_PRINFO, pi,
                         pr_assoc_id) < 0)
        return NULL;
    return Py_BuildValue("(HI)", pi.pr_policy, (unsigned int)pi.pr_value);
}

PyDoc_STRVAR(set_default_prinfo_doc,
"set_default_prinfo(fd, assoc_id, policy, value) -> None\n\n"
"SCTP_DEFAULT_PRINFO.");

static PyObject *
so_set_default_prinfo(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_default_prinfo pi;

    memset(&pi, 0, sizeof(pi));
    if (!PyArg_ParseTuple(args, "O&O&O&O&:set_default_prinfo",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &pi.pr_assoc_id, aiosctp_conv_u16, &pi.pr_policy,
                          aiosctp_conv_u32, &pi.pr_value))
        return NULL;
    return SET_STRUCT(fd, SCTP_DEFAULT_PRINFO, pi);
}
#endif /* SCTP_DEFAULT_PRINFO */

/* ---- SCTP_ADAPTATION_LAYER ---------------------------------------------- */

PyDoc_STRVAR(get_adaptation_layer_doc,
"get_adaptation_layer(fd) -> int\n\n"
"SCTP_ADAPTATION_LAYER: the adaptation layer indication sent in INIT and\n"
"INIT-ACK (uint32).");

static PyObject *
so_get_adaptation_layer(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_setadaptation sa;

    if (GET_FD_STRUCT(args, "get_adaptation_layer", SCTP_ADAPTATION_LAYER, sa) < 0)
        return NULL;
    return PyLong_FromUnsignedLong(sa.ssb_adaptation_ind);
}

PyDoc_STRVAR(set_adaptation_layer_doc,
"set_adaptation_layer(fd, indication) -> None\n\n"
"SCTP_ADAPTATION_LAYER.");

static PyObject *
so_set_adaptation_layer(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_setadaptation sa;

    memset(&sa, 0, sizeof(sa));
    if (!PyArg_ParseTuple(args, "O&O&:set_adaptation_layer", aiosctp_conv_fd,
                          &fd, aiosctp_conv_u32, &sa.ssb_adaptation_ind))
        return NULL;
    return SET_STRUCT(fd, SCTP_ADAPTATION_LAYER, sa);
}

/* ---- SCTP_PRIMARY_ADDR, SCTP_SET_PEER_PRIMARY_ADDR ------------------------- */

PyDoc_STRVAR(get_primary_addr_doc,
"get_primary_addr(fd, assoc_id) -> address\n\n"
"SCTP_PRIMARY_ADDR: the peer address used as the primary path.");

static PyObject *
so_get_primary_addr(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_prim pr;

    if (GET_ASSOC_STRUCT(args, "get_primary_addr", SCTP_PRIMARY_ADDR, pr,
                         ssp_assoc_id) < 0)
        return NULL;
    return get_addr((const char *)&pr + offsetof(struct sctp_prim, ssp_addr));
}

/* SCTP_PRIMARY_ADDR and SCTP_SET_PEER_PRIMARY_ADDR set (fd, assoc_id,
 * address) through structs of one layout: (assoc id, sockaddr_storage). */
_Static_assert(sizeof(struct sctp_prim) == sizeof(struct sctp_setpeerprim) &&
                   offsetof(struct sctp_prim, ssp_assoc_id) ==
                       offsetof(struct sctp_setpeerprim, sspp_assoc_id) &&
                   offsetof(struct sctp_prim, ssp_addr) ==
                       offsetof(struct sctp_setpeerprim, sspp_addr),
               "sctp_setpeerprim is laid out as sctp_prim");

static PyObject *
set_prim(PyObject *args, int opt, const char *fmt)
{
    int fd;
    sctp_assoc_t id;
    struct sockaddr_storage ss;
    struct sctp_prim pr;

    if (!PyArg_ParseTuple(args, fmt, aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &id, conv_addr, &ss))
        return NULL;
    memset(&pr, 0, sizeof(pr));
    pr.ssp_assoc_id = id;
    put_addr((char *)&pr + offsetof(struct sctp_prim, ssp_addr), &ss);
    return SET_STRUCT(fd, opt, pr);
}

PyDoc_STRVAR(set_primary_addr_doc,
"set_primary_addr(fd, assoc_id, address) -> None\n\n"
"SCTP_PRIMARY_ADDR: make one of the peer's addresses the primary path.");

OPTION_FUNC(set_primary_addr, set_prim, SCTP_PRIMARY_ADDR, "O&O&O&")

PyDoc_STRVAR(set_peer_primary_addr_doc,
"set_peer_primary_addr(fd, assoc_id, address) -> None\n\n"
"SCTP_SET_PEER_PRIMARY_ADDR: ask the peer (by ASCONF) to use one of our\n"
"local addresses as its primary path.");

OPTION_FUNC(set_peer_primary_addr, set_prim, SCTP_SET_PEER_PRIMARY_ADDR,
            "O&O&O&")

/* ---- SCTP_DELAYED_SACK ---------------------------------------------------- */

PyDoc_STRVAR(get_delayed_sack_doc,
"get_delayed_sack(fd, assoc_id) -> (delay, freq)\n\n"
"SCTP_DELAYED_SACK: the delayed SACK timer (ms) and frequency.");

static PyObject *
so_get_delayed_sack(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_sack_info si;

    if (GET_ASSOC_STRUCT(args, "get_delayed_sack", SCTP_DELAYED_SACK, si,
                         sack_assoc_id) < 0)
        return NULL;
    return Py_BuildValue("(II)", (unsigned int)si.sack_delay,
                         (unsigned int)si.sack_freq);
}

PyDoc_STRVAR(set_delayed_sack_doc,
"set_delayed_sack(fd, assoc_id, delay, freq) -> None\n\n"
"SCTP_DELAYED_SACK; 0 keeps a value, freq 1 disables delayed SACK.");

static PyObject *
so_set_delayed_sack(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_sack_info si;

    memset(&si, 0, sizeof(si));
    if (!PyArg_ParseTuple(args, "O&O&O&O&:set_delayed_sack", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &si.sack_assoc_id,
                          aiosctp_conv_u32, &si.sack_delay, aiosctp_conv_u32,
                          &si.sack_freq))
        return NULL;
    return SET_STRUCT(fd, SCTP_DELAYED_SACK, si);
}

/* ---- stream reconfiguration (RFC 6525) ------------------------------------ */

#ifdef SCTP_RESET_STREAMS
PyDoc_STRVAR(reset_streams_doc,
"reset_streams(fd, assoc_id, flags, streams) -> None\n\n"
"SCTP_RESET_STREAMS: flags are SCTP_STREAM_RESET_INCOMING/OUTGOING;\n"
"streams is a sequence of stream numbers, empty for all streams.");

static PyObject *
so_reset_streams(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    uint16_t flags;
    PyObject *streams, *seq;
    Py_ssize_t i, n;
    struct sctp_reset_streams *rs;
    size_t size;
    int r;

    if (!PyArg_ParseTuple(args, "O&O&O&O:reset_streams", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &id, aiosctp_conv_u16,
                          &flags, &streams))
        return NULL;
    seq = PySequence_Fast(streams, "streams must be a sequence of ints");
    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    if (n > UINT16_MAX) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "too many streams (at most 65535)");
        return NULL;
    }
    size = sizeof(*rs) + (size_t)n * sizeof(uint16_t);
    rs = PyMem_Malloc(size);
    if (rs == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    memset(rs, 0, size);
    rs->srs_assoc_id = id;
    rs->srs_flags = flags;
    rs->srs_number_streams = (uint16_t)n;
    for (i = 0; i < n; i++) {
        if (!aiosctp_conv_u16(PySequence_Fast_GET_ITEM(seq, i),
                              &rs->srs_stream_list[i])) {
            PyMem_Free(rs);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    r = aiosctp_setsockopt(fd, SCTP_RESET_STREAMS, rs, (socklen_t)size);
    PyMem_Free(rs);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}
#endif /* SCTP_RESET_STREAMS */

#ifdef SCTP_ADD_STREAMS
PyDoc_STRVAR(add_streams_doc,
"add_streams(fd, assoc_id, instreams, outstreams) -> None\n\n"
"SCTP_ADD_STREAMS: ask for that many more incoming/outgoing streams.");

static PyObject *
so_add_streams(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_add_streams as;

    memset(&as, 0, sizeof(as));
    if (!PyArg_ParseTuple(args, "O&O&O&O&:add_streams", aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &as.sas_assoc_id,
                          aiosctp_conv_u16, &as.sas_instrms, aiosctp_conv_u16,
                          &as.sas_outstrms))
        return NULL;
    return SET_STRUCT(fd, SCTP_ADD_STREAMS, as);
}
#endif

#ifdef SCTP_RESET_ASSOC
PyDoc_STRVAR(reset_assoc_doc,
"reset_assoc(fd, assoc_id) -> None\n\n"
"SCTP_RESET_ASSOC: reset the association's TSNs and stream sequences.");

static PyObject *
so_reset_assoc(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;

    if (!PyArg_ParseTuple(args, "O&O&:reset_assoc", aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &id))
        return NULL;
    return SET_STRUCT(fd, SCTP_RESET_ASSOC, id);
}
#endif

/* ---- SCTP_STREAM_SCHEDULER_VALUE ---------------------------------------- */

#ifdef SCTP_STREAM_SCHEDULER_VALUE
PyDoc_STRVAR(get_stream_scheduler_value_doc,
"get_stream_scheduler_value(fd, assoc_id, stream) -> int\n\n"
"SCTP_STREAM_SCHEDULER_VALUE: the scheduler's value for one outgoing\n"
"stream (the priority with SCTP_SS_PRIO).");

static PyObject *
so_get_stream_scheduler_value(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_stream_value sv;

    memset(&sv, 0, sizeof(sv));
    if (!PyArg_ParseTuple(args, "O&O&O&:get_stream_scheduler_value",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &sv.assoc_id, aiosctp_conv_u16, &sv.stream_id))
        return NULL;
    if (GET_STRUCT(fd, SCTP_STREAM_SCHEDULER_VALUE, sv) < 0)
        return NULL;
    return PyLong_FromLong(sv.stream_value);
}

PyDoc_STRVAR(set_stream_scheduler_value_doc,
"set_stream_scheduler_value(fd, assoc_id, stream, value) -> None\n\n"
"SCTP_STREAM_SCHEDULER_VALUE (uint16 value).");

static PyObject *
so_set_stream_scheduler_value(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_stream_value sv;

    memset(&sv, 0, sizeof(sv));
    if (!PyArg_ParseTuple(args, "O&O&O&O&:set_stream_scheduler_value",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &sv.assoc_id, aiosctp_conv_u16, &sv.stream_id,
                          aiosctp_conv_u16, &sv.stream_value))
        return NULL;
    return SET_STRUCT(fd, SCTP_STREAM_SCHEDULER_VALUE, sv);
}
#endif

/* ---- AUTH (RFC 4895) -------------------------------------------------------- */

PyDoc_STRVAR(set_auth_chunk_doc,
"set_auth_chunk(fd, chunk_type) -> None\n\n"
"SCTP_AUTH_CHUNK: require the peer to authenticate chunks of this type\n"
"(uint8) in future associations.");

static PyObject *
so_set_auth_chunk(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sctp_authchunk ac;

    memset(&ac, 0, sizeof(ac));
    if (!PyArg_ParseTuple(args, "O&O&:set_auth_chunk", aiosctp_conv_fd, &fd,
                          conv_u8, &ac.sauth_chunk))
        return NULL;
    return SET_STRUCT(fd, SCTP_AUTH_CHUNK, ac);
}

PyDoc_STRVAR(set_auth_key_doc,
"set_auth_key(fd, assoc_id, keynumber, key) -> None\n\n"
"SCTP_AUTH_KEY: install shared key `keynumber` (uint16); key is a\n"
"bytes-like object of at most 65535 bytes. The copy made for the kernel\n"
"is wiped afterwards.");

static PyObject *
so_set_auth_key(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd, r;
    sctp_assoc_t id;
    uint16_t keynumber;
    Py_buffer key;
    struct sctp_authkey *ak;
    size_t size;

    if (!PyArg_ParseTuple(args, "O&O&O&y*:set_auth_key", aiosctp_conv_fd, &fd,
                          aiosctp_conv_assoc, &id, aiosctp_conv_u16,
                          &keynumber, &key))
        return NULL;
    if (key.len > UINT16_MAX) {
        PyBuffer_Release(&key);
        PyErr_SetString(PyExc_ValueError,
                        "an AUTH key is at most 65535 bytes long");
        return NULL;
    }
    size = sizeof(*ak) + (size_t)key.len;
    ak = PyMem_Malloc(size);
    if (ak == NULL) {
        PyBuffer_Release(&key);
        return PyErr_NoMemory();
    }
    memset(ak, 0, sizeof(*ak));
    ak->sca_assoc_id = id;
    ak->sca_keynumber = keynumber;
    ak->sca_keylength = (uint16_t)key.len;
    memcpy(ak->sca_key, key.buf, (size_t)key.len);
    PyBuffer_Release(&key);
    r = aiosctp_setsockopt(fd, SCTP_AUTH_KEY, ak, (socklen_t)size);
    explicit_bzero(ak, size);
    PyMem_Free(ak);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* SCTP_AUTH_ACTIVE_KEY, SCTP_AUTH_DELETE_KEY, SCTP_AUTH_DEACTIVATE_KEY all
 * take struct sctp_authkeyid. */
static PyObject *
set_authkeyid(PyObject *args, int opt, const char *fmt)
{
    int fd;
    struct sctp_authkeyid ki;

    memset(&ki, 0, sizeof(ki));
    if (!PyArg_ParseTuple(args, fmt, aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &ki.scact_assoc_id, aiosctp_conv_u16,
                          &ki.scact_keynumber))
        return NULL;
    return SET_STRUCT(fd, opt, ki);
}

PyDoc_STRVAR(get_auth_active_key_doc,
"get_auth_active_key(fd, assoc_id) -> keynumber\n\n"
"SCTP_AUTH_ACTIVE_KEY: the key number used to send.");

static PyObject *
so_get_auth_active_key(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_authkeyid ki;

    if (GET_ASSOC_STRUCT(args, "get_auth_active_key", SCTP_AUTH_ACTIVE_KEY, ki,
                         scact_assoc_id) < 0)
        return NULL;
    return PyLong_FromLong(ki.scact_keynumber);
}

PyDoc_STRVAR(set_auth_active_key_doc,
"set_auth_active_key(fd, assoc_id, keynumber) -> None\n\n"
"SCTP_AUTH_ACTIVE_KEY: send with this (installed) key.");

OPTION_FUNC(set_auth_active_key, set_authkeyid, SCTP_AUTH_ACTIVE_KEY, "O&O&O&")

PyDoc_STRVAR(delete_auth_key_doc,
"delete_auth_key(fd, assoc_id, keynumber) -> None\n\n"
"SCTP_AUTH_DELETE_KEY: remove a key that is not the active one (and, on\n"
"an association, has been deactivated).");

OPTION_FUNC(delete_auth_key, set_authkeyid, SCTP_AUTH_DELETE_KEY, "O&O&O&")

#ifdef SCTP_AUTH_DEACTIVATE_KEY
PyDoc_STRVAR(deactivate_auth_key_doc,
"deactivate_auth_key(fd, assoc_id, keynumber) -> None\n\n"
"SCTP_AUTH_DEACTIVATE_KEY: stop using a key; an SCTP_AUTH_FREE_KEY\n"
"notification tells when it can be deleted.");

OPTION_FUNC(deactivate_auth_key, set_authkeyid, SCTP_AUTH_DEACTIVATE_KEY, "O&O&O&")
#endif

/* Read option opt into buf (size bytes): a header of hdr bytes whose
 * uint32 at count_off counts the width-byte items after it.  Returns them
 * as a list of ints; OSError(EPROTO) when the kernel's answer is shorter
 * than the header or its count. */
static PyObject *
get_int_list(int fd, int opt, void *buf, socklen_t size, size_t hdr,
             size_t count_off, size_t width)
{
    socklen_t len = size;
    uint32_t n;

    if (aiosctp_getsockopt(fd, opt, buf, &len) < 0)
        return NULL;
    if (len < hdr)
        return aiosctp_set_errno(EPROTO);
    memcpy(&n, (const char *)buf + count_off, sizeof(n));
    if (n > (len - hdr) / width)
        return aiosctp_set_errno(EPROTO);
    return aiosctp_int_list((const char *)buf + hdr, n, width, 0);
}

/* SCTP_PEER_AUTH_CHUNKS / SCTP_LOCAL_AUTH_CHUNKS: a list of chunk types.
 * There are at most 256 chunk types, so the buffer can hold any answer. */
static PyObject *
get_auth_chunks(PyObject *args, int opt, const char *fmt)
{
    int fd;
    struct {
        struct sctp_authchunks h;
        uint8_t chunks[256];
    } buf;

    memset(&buf, 0, sizeof(buf));
    if (!PyArg_ParseTuple(args, fmt, aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &buf.h.gauth_assoc_id))
        return NULL;
    return get_int_list(fd, opt, &buf, sizeof(buf), sizeof(buf.h),
                        offsetof(struct sctp_authchunks,
                                 gauth_number_of_chunks), sizeof(uint8_t));
}

PyDoc_STRVAR(get_peer_auth_chunks_doc,
"get_peer_auth_chunks(fd, assoc_id) -> list of int\n\n"
"SCTP_PEER_AUTH_CHUNKS: the chunk types the peer wants authenticated.");

OPTION_FUNC(get_peer_auth_chunks, get_auth_chunks, SCTP_PEER_AUTH_CHUNKS, "O&O&")

PyDoc_STRVAR(get_local_auth_chunks_doc,
"get_local_auth_chunks(fd, assoc_id) -> list of int\n\n"
"SCTP_LOCAL_AUTH_CHUNKS: the chunk types we require authenticated.");

OPTION_FUNC(get_local_auth_chunks, get_auth_chunks, SCTP_LOCAL_AUTH_CHUNKS, "O&O&")

/* Room for more HMAC identifiers than RFC 4895 and Linux define. */
#define MAX_HMAC_IDENTS 64

PyDoc_STRVAR(get_hmac_ident_doc,
"get_hmac_ident(fd) -> list of int\n\n"
"SCTP_HMAC_IDENT: the HMAC algorithms (SCTP_AUTH_HMAC_ID_*) we accept, in\n"
"order of preference.");

static PyObject *
so_get_hmac_ident(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct {
        struct sctp_hmacalgo h;
        uint16_t idents[MAX_HMAC_IDENTS];
    } buf;

    if (!PyArg_ParseTuple(args, "O&:get_hmac_ident", aiosctp_conv_fd, &fd))
        return NULL;
    memset(&buf, 0, sizeof(buf));
    return get_int_list(fd, SCTP_HMAC_IDENT, &buf, sizeof(buf), sizeof(buf.h),
                        offsetof(struct sctp_hmacalgo, shmac_num_idents),
                        sizeof(uint16_t));
}

PyDoc_STRVAR(set_hmac_ident_doc,
"set_hmac_ident(fd, idents) -> None\n\n"
"SCTP_HMAC_IDENT: a non-empty sequence of HMAC identifiers (uint16).");

static PyObject *
so_set_hmac_ident(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    PyObject *idents, *seq;
    Py_ssize_t i, n;
    struct {
        struct sctp_hmacalgo h;
        uint16_t idents[MAX_HMAC_IDENTS];
    } buf;

    if (!PyArg_ParseTuple(args, "O&O:set_hmac_ident", aiosctp_conv_fd, &fd,
                          &idents))
        return NULL;
    seq = PySequence_Fast(idents, "idents must be a sequence of ints");
    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    if (n < 1 || n > MAX_HMAC_IDENTS) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError,
                     "between 1 and %d HMAC identifiers are needed",
                     MAX_HMAC_IDENTS);
        return NULL;
    }
    memset(&buf, 0, sizeof(buf));
    buf.h.shmac_num_idents = (uint32_t)n;
    for (i = 0; i < n; i++) {
        if (!aiosctp_conv_u16(PySequence_Fast_GET_ITEM(seq, i),
                              &buf.idents[i])) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    return set_struct(fd, SCTP_HMAC_IDENT, &buf,
                      (socklen_t)(sizeof(buf.h) + (size_t)n * sizeof(uint16_t)));
}

/* ---- PR-SCTP status (RFC 7496) ---------------------------------------------- */

#ifdef SCTP_PR_ASSOC_STATUS
static PyObject *
get_prstatus(int fd, int opt, sctp_assoc_t id, uint16_t sid, uint16_t policy)
{
    struct sctp_prstatus ps;

    memset(&ps, 0, sizeof(ps));
    ps.sprstat_assoc_id = id;
    ps.sprstat_sid = sid;
    ps.sprstat_policy = policy;
    if (GET_STRUCT(fd, opt, ps) < 0)
        return NULL;
    return Py_BuildValue("(KK)", (unsigned long long)ps.sprstat_abandoned_unsent,
                         (unsigned long long)ps.sprstat_abandoned_sent);
}

PyDoc_STRVAR(get_pr_assoc_status_doc,
"get_pr_assoc_status(fd, assoc_id, policy) -> (abandoned_unsent,\n"
"    abandoned_sent)\n\n"
"SCTP_PR_ASSOC_STATUS: messages abandoned under one policy\n"
"(SCTP_PR_SCTP_TTL/RTX/PRIO) or all (SCTP_PR_SCTP_ALL).");

static PyObject *
so_get_pr_assoc_status(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    uint16_t policy;

    if (!PyArg_ParseTuple(args, "O&O&O&:get_pr_assoc_status", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &id, aiosctp_conv_u16,
                          &policy))
        return NULL;
    return get_prstatus(fd, SCTP_PR_ASSOC_STATUS, id, 0, policy);
}

PyDoc_STRVAR(get_pr_stream_status_doc,
"get_pr_stream_status(fd, assoc_id, stream, policy) -> (abandoned_unsent,\n"
"    abandoned_sent)\n\n"
"SCTP_PR_STREAM_STATUS for one outgoing stream.");

static PyObject *
so_get_pr_stream_status(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    uint16_t sid, policy;

    if (!PyArg_ParseTuple(args, "O&O&O&O&:get_pr_stream_status",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc, &id,
                          aiosctp_conv_u16, &sid, aiosctp_conv_u16, &policy))
        return NULL;
    return get_prstatus(fd, SCTP_PR_STREAM_STATUS, id, sid, policy);
}
#endif /* SCTP_PR_ASSOC_STATUS */

/* ---- SCTP_REMOTE_UDP_ENCAPS_PORT (RFC 6951) -------------------------------- */

#ifdef HAVE_SCTP_REMOTE_UDP_ENCAPS_PORT
PyDoc_STRVAR(get_remote_udp_encaps_port_doc,
"get_remote_udp_encaps_port(fd, assoc_id, address) -> port\n\n"
"SCTP_REMOTE_UDP_ENCAPS_PORT: the peer's UDP encapsulation port (host\n"
"order; 0: none) for one peer address or (address None) the association\n"
"or endpoint.");

static PyObject *
so_get_remote_udp_encaps_port(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sockaddr_storage ss;
    struct sctp_udpencaps ue;

    memset(&ue, 0, sizeof(ue));
    if (!PyArg_ParseTuple(args, "O&O&O&:get_remote_udp_encaps_port",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc,
                          &ue.sue_assoc_id, conv_opt_addr, &ss))
        return NULL;
    put_addr((char *)&ue + offsetof(struct sctp_udpencaps, sue_address), &ss);
    if (GET_STRUCT(fd, SCTP_REMOTE_UDP_ENCAPS_PORT, ue) < 0)
        return NULL;
    return PyLong_FromLong(ntohs(ue.sue_port));
}

PyDoc_STRVAR(set_remote_udp_encaps_port_doc,
"set_remote_udp_encaps_port(fd, assoc_id, address, port) -> None\n\n"
"SCTP_REMOTE_UDP_ENCAPS_PORT; port in host order (0 turns encapsulation\n"
"off).");

static PyObject *
so_set_remote_udp_encaps_port(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    uint16_t port;
    struct sockaddr_storage ss;
    struct sctp_udpencaps ue;

    if (!PyArg_ParseTuple(args, "O&O&O&O&:set_remote_udp_encaps_port",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc, &id,
                          conv_opt_addr, &ss, aiosctp_conv_u16, &port))
        return NULL;
    memset(&ue, 0, sizeof(ue));
    ue.sue_assoc_id = id;
    put_addr((char *)&ue + offsetof(struct sctp_udpencaps, sue_address), &ss);
    ue.sue_port = htons(port);
    return SET_STRUCT(fd, SCTP_REMOTE_UDP_ENCAPS_PORT, ue);
}
#else
#define get_remote_udp_encaps_port_doc "SCTP_REMOTE_UDP_ENCAPS_PORT: not in this build"
#define set_remote_udp_encaps_port_doc get_remote_udp_encaps_port_doc
NOT_BUILT(remote_udp_encaps_port, "SCTP_REMOTE_UDP_ENCAPS_PORT (Linux 5.11)")
#endif /* HAVE_SCTP_REMOTE_UDP_ENCAPS_PORT */

/* ---- SCTP_PEER_ADDR_THLDS(_V2) ---------------------------------------------- */

PyDoc_STRVAR(get_peer_addr_thlds_doc,
"get_peer_addr_thlds(fd, assoc_id, address) -> (pathmaxrxt, pathpfthld,\n"
"    pathcpthld)\n\n"
"SCTP_PEER_ADDR_THLDS_V2 (pathcpthld None where only the first version of\n"
"the option exists).");

static PyObject *
so_get_peer_addr_thlds(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    struct sockaddr_storage ss;

    if (!PyArg_ParseTuple(args, "O&O&O&:get_peer_addr_thlds", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &id, conv_opt_addr, &ss))
        return NULL;
#ifdef HAVE_SCTP_PEER_ADDR_THLDS_V2
    {
        struct sctp_paddrthlds_v2 t2;
        socklen_t len = sizeof(t2);
        int r, err;

        memset(&t2, 0, sizeof(t2));
        t2.spt_assoc_id = id;
        put_addr(&t2.spt_address, &ss);
        r = aiosctp_getsockopt_err(fd, SCTP_PEER_ADDR_THLDS_V2, &t2, &len,
                                   &err);
        if (r < 0 && err == 0)
            return NULL; /* a signal handler raised */
        if (r == 0) {
            if (len < sizeof(t2))
                return aiosctp_set_errno(EPROTO);
            return Py_BuildValue("(HHH)", t2.spt_pathmaxrxt,
                                 t2.spt_pathpfthld, t2.spt_pathcpthld);
        }
        if (err != ENOPROTOOPT)
            return aiosctp_set_errno(err);
        /* an older kernel: fall back to the first version */
    }
#endif
    {
        struct sctp_paddrthlds t1;

        memset(&t1, 0, sizeof(t1));
        t1.spt_assoc_id = id;
        put_addr(&t1.spt_address, &ss);
        if (GET_STRUCT(fd, SCTP_PEER_ADDR_THLDS, t1) < 0)
            return NULL;
        return Py_BuildValue("(HHO)", t1.spt_pathmaxrxt, t1.spt_pathpfthld,
                             Py_None);
    }
}

PyDoc_STRVAR(set_peer_addr_thlds_doc,
"set_peer_addr_thlds(fd, assoc_id, address, pathmaxrxt, pathpfthld,\n"
"    pathcpthld) -> None\n\n"
"SCTP_PEER_ADDR_THLDS_V2; pathcpthld None uses the first version of the\n"
"option (which leaves the threshold unchanged).");

static PyObject *
so_set_peer_addr_thlds(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    struct sockaddr_storage ss;
    uint16_t maxrxt, pfthld, cpthld = 0;
    PyObject *cp;

    if (!PyArg_ParseTuple(args, "O&O&O&O&O&O:set_peer_addr_thlds",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc, &id,
                          conv_opt_addr, &ss, aiosctp_conv_u16, &maxrxt,
                          aiosctp_conv_u16, &pfthld, &cp))
        return NULL;
    if (cp != Py_None) {
#ifdef HAVE_SCTP_PEER_ADDR_THLDS_V2
        struct sctp_paddrthlds_v2 t2;

        if (!aiosctp_conv_u16(cp, &cpthld))
            return NULL;
        memset(&t2, 0, sizeof(t2));
        t2.spt_assoc_id = id;
        put_addr(&t2.spt_address, &ss);
        t2.spt_pathmaxrxt = maxrxt;
        t2.spt_pathpfthld = pfthld;
        t2.spt_pathcpthld = cpthld;
        return SET_STRUCT(fd, SCTP_PEER_ADDR_THLDS_V2, t2);
#else
        (void)cpthld;
        return aiosctp_not_built("SCTP_PEER_ADDR_THLDS_V2 pathcpthld "
                                 "(Linux 5.7)");
#endif
    }
    {
        struct sctp_paddrthlds t1;

        memset(&t1, 0, sizeof(t1));
        t1.spt_assoc_id = id;
        put_addr(&t1.spt_address, &ss);
        t1.spt_pathmaxrxt = maxrxt;
        t1.spt_pathpfthld = pfthld;
        return SET_STRUCT(fd, SCTP_PEER_ADDR_THLDS, t1);
    }
}

/* ---- SCTP_PLPMTUD_PROBE_INTERVAL --------------------------------------------- */

#ifdef HAVE_SCTP_PLPMTUD_PROBE_INTERVAL
PyDoc_STRVAR(get_probe_interval_doc,
"get_probe_interval(fd, assoc_id, address) -> ms\n\n"
"SCTP_PLPMTUD_PROBE_INTERVAL: the PLPMTUD probe interval (0: off).");

static PyObject *
so_get_probe_interval(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    struct sockaddr_storage ss;
    struct sctp_probeinterval pi;

    memset(&pi, 0, sizeof(pi));
    if (!PyArg_ParseTuple(args, "O&O&O&:get_probe_interval", aiosctp_conv_fd,
                          &fd, aiosctp_conv_assoc, &pi.spi_assoc_id,
                          conv_opt_addr, &ss))
        return NULL;
    put_addr(&pi.spi_address, &ss);
    if (GET_STRUCT(fd, SCTP_PLPMTUD_PROBE_INTERVAL, pi) < 0)
        return NULL;
    return PyLong_FromUnsignedLong(pi.spi_interval);
}

PyDoc_STRVAR(set_probe_interval_doc,
"set_probe_interval(fd, assoc_id, address, ms) -> None\n\n"
"SCTP_PLPMTUD_PROBE_INTERVAL: 0 turns PLPMTUD off.");

static PyObject *
so_set_probe_interval(PyObject *Py_UNUSED(module), PyObject *args)
{
    int fd;
    sctp_assoc_t id;
    uint32_t interval;
    struct sockaddr_storage ss;
    struct sctp_probeinterval pi;

    if (!PyArg_ParseTuple(args, "O&O&O&O&:set_probe_interval",
                          aiosctp_conv_fd, &fd, aiosctp_conv_assoc, &id,
                          conv_opt_addr, &ss, aiosctp_conv_u32, &interval))
        return NULL;
    memset(&pi, 0, sizeof(pi));
    pi.spi_assoc_id = id;
    put_addr(&pi.spi_address, &ss);
    pi.spi_interval = interval;
    return SET_STRUCT(fd, SCTP_PLPMTUD_PROBE_INTERVAL, pi);
}
#else
#define get_probe_interval_doc "SCTP_PLPMTUD_PROBE_INTERVAL: not in this build"
#define set_probe_interval_doc get_probe_interval_doc
NOT_BUILT(probe_interval, "SCTP_PLPMTUD_PROBE_INTERVAL (Linux 5.14)")
#endif /* HAVE_SCTP_PLPMTUD_PROBE_INTERVAL */

/* ---- SCTP_GET_ASSOC_STATS ------------------------------------------------------ */

#ifdef SCTP_GET_ASSOC_STATS
PyDoc_STRVAR(get_assoc_stats_doc,
"get_assoc_stats(fd, assoc_id) -> (obs_rto_address, maxrto, isacks, osacks,\n"
"    opackets, ipackets, rtxchunks, outofseqtsns, idupchunks, gapcnt,\n"
"    ouodchunks, iuodchunks, oodchunks, iodchunks, octrlchunks,\n"
"    ictrlchunks)\n\n"
"SCTP_GET_ASSOC_STATS. maxrto (and its address) is the largest RTO seen\n"
"since the previous call; reading it resets it.");

static PyObject *
so_get_assoc_stats(PyObject *Py_UNUSED(module), PyObject *args)
{
    struct sctp_assoc_stats st;
    PyObject *addr;

    if (GET_ASSOC_STRUCT(args, "get_assoc_stats", SCTP_GET_ASSOC_STATS, st,
                         sas_assoc_id) < 0)
        return NULL;
    addr = get_addr(&st.sas_obs_rto_ipaddr);
    if (addr == NULL)
        return NULL;
#define U(f) (unsigned long long)st.f
    return Py_BuildValue("(NKKKKKKKKKKKKKKK)", addr, U(sas_maxrto),
                         U(sas_isacks), U(sas_osacks), U(sas_opackets),
                         U(sas_ipackets), U(sas_rtxchunks),
                         U(sas_outofseqtsns), U(sas_idupchunks),
                         U(sas_gapcnt), U(sas_ouodchunks), U(sas_iuodchunks),
                         U(sas_oodchunks), U(sas_iodchunks),
                         U(sas_octrlchunks), U(sas_ictrlchunks));
#undef U
}
#endif /* SCTP_GET_ASSOC_STATS */

/* ---- method table -------------------------------------------------------------- */

#define M(name) {#name, so_##name, METH_VARARGS, name##_doc}

PyMethodDef aiosctp_sockopt_methods[] = {
    M(getsockopt_int),
    M(setsockopt_int),
    M(get_assoc_value),
    M(set_assoc_value),
    M(get_initmsg),
    M(set_initmsg),
    M(get_status),
    M(get_peer_addr_info),
    M(get_event),
    M(set_event),
    M(get_rtoinfo),
    M(set_rtoinfo),
    M(get_associnfo),
    M(set_associnfo),
    M(get_peer_addr_params),
    M(set_peer_addr_params),
    M(get_default_sndinfo),
    M(set_default_sndinfo),
#ifdef SCTP_DEFAULT_PRINFO
    M(get_default_prinfo),
    M(set_default_prinfo),
#endif
    M(get_adaptation_layer),
    M(set_adaptation_layer),
    M(get_primary_addr),
    M(set_primary_addr),
    M(set_peer_primary_addr),
    M(get_delayed_sack),
    M(set_delayed_sack),
#ifdef SCTP_RESET_STREAMS
    M(reset_streams),
#endif
#ifdef SCTP_ADD_STREAMS
    M(add_streams),
#endif
#ifdef SCTP_RESET_ASSOC
    M(reset_assoc),
#endif
#ifdef SCTP_STREAM_SCHEDULER_VALUE
    M(get_stream_scheduler_value),
    M(set_stream_scheduler_value),
#endif
    M(set_auth_chunk),
    M(set_auth_key),
    M(get_auth_active_key),
    M(set_auth_active_key),
    M(delete_auth_key),
#ifdef SCTP_AUTH_DEACTIVATE_KEY
    M(deactivate_auth_key),
#endif
    M(get_peer_auth_chunks),
    M(get_local_auth_chunks),
    M(get_hmac_ident),
    M(set_hmac_ident),
#ifdef SCTP_PR_ASSOC_STATUS
    M(get_pr_assoc_status),
    M(get_pr_stream_status),
#endif
    M(get_remote_udp_encaps_port),
    M(set_remote_udp_encaps_port),
    M(get_peer_addr_thlds),
    M(set_peer_addr_thlds),
    M(get_probe_interval),
    M(set_probe_interval),
#ifdef SCTP_GET_ASSOC_STATS
    M(get_assoc_stats),
#endif
    {NULL, NULL, 0, NULL},
};

#undef M

/* ---- constants ------------------------------------------------------------------ */

const aiosctp_int_const aiosctp_sockopt_constants[] = {
    /* option numbers (RFC 6458 and Linux) */
    AIOSCTP_CONST(SCTP_RTOINFO),
    AIOSCTP_CONST(SCTP_ASSOCINFO),
    AIOSCTP_CONST(SCTP_INITMSG),
    AIOSCTP_CONST(SCTP_NODELAY),
    AIOSCTP_CONST(SCTP_AUTOCLOSE),
    AIOSCTP_CONST(SCTP_SET_PEER_PRIMARY_ADDR),
    AIOSCTP_CONST(SCTP_PRIMARY_ADDR),
    AIOSCTP_CONST(SCTP_ADAPTATION_LAYER),
    AIOSCTP_CONST(SCTP_DISABLE_FRAGMENTS),
    AIOSCTP_CONST(SCTP_PEER_ADDR_PARAMS),
    AIOSCTP_CONST(SCTP_DEFAULT_SEND_PARAM),
    AIOSCTP_CONST(SCTP_EVENTS),
    AIOSCTP_CONST(SCTP_I_WANT_MAPPED_V4_ADDR),
    AIOSCTP_CONST(SCTP_MAXSEG),
    AIOSCTP_CONST(SCTP_STATUS),
    AIOSCTP_CONST(SCTP_GET_PEER_ADDR_INFO),
    AIOSCTP_CONST(SCTP_DELAYED_ACK_TIME),
    AIOSCTP_CONST(SCTP_DELAYED_ACK),
    AIOSCTP_CONST(SCTP_DELAYED_SACK),
    AIOSCTP_CONST(SCTP_CONTEXT),
    AIOSCTP_CONST(SCTP_FRAGMENT_INTERLEAVE),
    AIOSCTP_CONST(SCTP_PARTIAL_DELIVERY_POINT),
    AIOSCTP_CONST(SCTP_MAX_BURST),
    AIOSCTP_CONST(SCTP_AUTH_CHUNK),
    AIOSCTP_CONST(SCTP_HMAC_IDENT),
    AIOSCTP_CONST(SCTP_AUTH_KEY),
    AIOSCTP_CONST(SCTP_AUTH_ACTIVE_KEY),
    AIOSCTP_CONST(SCTP_AUTH_DELETE_KEY),
    AIOSCTP_CONST(SCTP_PEER_AUTH_CHUNKS),
    AIOSCTP_CONST(SCTP_LOCAL_AUTH_CHUNKS),
    AIOSCTP_CONST(SCTP_GET_ASSOC_NUMBER),
    AIOSCTP_CONST(SCTP_GET_ASSOC_ID_LIST),
#ifdef SCTP_AUTO_ASCONF
    AIOSCTP_CONST(SCTP_AUTO_ASCONF),
#endif
#ifdef SCTP_PEER_ADDR_THLDS
    AIOSCTP_CONST(SCTP_PEER_ADDR_THLDS),
#endif
#ifdef SCTP_RECVRCVINFO
    AIOSCTP_CONST(SCTP_RECVRCVINFO),
#endif
#ifdef SCTP_RECVNXTINFO
    AIOSCTP_CONST(SCTP_RECVNXTINFO),
#endif
#ifdef SCTP_DEFAULT_SNDINFO
    AIOSCTP_CONST(SCTP_DEFAULT_SNDINFO),
#endif
#ifdef SCTP_AUTH_DEACTIVATE_KEY
    AIOSCTP_CONST(SCTP_AUTH_DEACTIVATE_KEY),
#endif
#ifdef HAVE_SCTP_REUSE_PORT
    AIOSCTP_CONST(SCTP_REUSE_PORT),
#endif
#ifdef HAVE_SCTP_PEER_ADDR_THLDS_V2
    AIOSCTP_CONST(SCTP_PEER_ADDR_THLDS_V2),
#endif
#ifdef SCTP_GET_ASSOC_STATS
    AIOSCTP_CONST(SCTP_GET_ASSOC_STATS),
#endif
#ifdef SCTP_PR_SUPPORTED
    AIOSCTP_CONST(SCTP_PR_SUPPORTED),
#endif
#ifdef SCTP_DEFAULT_PRINFO
    AIOSCTP_CONST(SCTP_DEFAULT_PRINFO),
#endif
#ifdef SCTP_PR_ASSOC_STATUS
    AIOSCTP_CONST(SCTP_PR_ASSOC_STATUS),
#endif
#ifdef SCTP_PR_STREAM_STATUS
    AIOSCTP_CONST(SCTP_PR_STREAM_STATUS),
#endif
#ifdef SCTP_RECONFIG_SUPPORTED
    AIOSCTP_CONST(SCTP_RECONFIG_SUPPORTED),
#endif
#ifdef SCTP_ENABLE_STREAM_RESET
    AIOSCTP_CONST(SCTP_ENABLE_STREAM_RESET),
#endif
#ifdef SCTP_RESET_STREAMS
    AIOSCTP_CONST(SCTP_RESET_STREAMS),
#endif
#ifdef SCTP_RESET_ASSOC
    AIOSCTP_CONST(SCTP_RESET_ASSOC),
#endif
#ifdef SCTP_ADD_STREAMS
    AIOSCTP_CONST(SCTP_ADD_STREAMS),
#endif
#ifdef SCTP_STREAM_SCHEDULER
    AIOSCTP_CONST(SCTP_STREAM_SCHEDULER),
#endif
#ifdef SCTP_STREAM_SCHEDULER_VALUE
    AIOSCTP_CONST(SCTP_STREAM_SCHEDULER_VALUE),
#endif
#ifdef SCTP_INTERLEAVING_SUPPORTED
    AIOSCTP_CONST(SCTP_INTERLEAVING_SUPPORTED),
#endif
#ifdef SCTP_SENDMSG_CONNECT
    AIOSCTP_CONST(SCTP_SENDMSG_CONNECT),
#endif
#ifdef HAVE_SCTP_EVENT
    AIOSCTP_CONST(SCTP_EVENT),
#endif
#ifdef HAVE_SCTP_ASCONF_SUPPORTED
    AIOSCTP_CONST(SCTP_ASCONF_SUPPORTED),
#endif
#ifdef HAVE_SCTP_AUTH_SUPPORTED
    AIOSCTP_CONST(SCTP_AUTH_SUPPORTED),
#endif
#ifdef HAVE_SCTP_ECN_SUPPORTED
    AIOSCTP_CONST(SCTP_ECN_SUPPORTED),
#endif
#ifdef HAVE_SCTP_EXPOSE_POTENTIALLY_FAILED_STATE
    AIOSCTP_CONST(SCTP_EXPOSE_POTENTIALLY_FAILED_STATE),
    AIOSCTP_CONST(SCTP_EXPOSE_PF_STATE),
#endif
#ifdef HAVE_SCTP_REMOTE_UDP_ENCAPS_PORT
    AIOSCTP_CONST(SCTP_REMOTE_UDP_ENCAPS_PORT),
#endif
#ifdef HAVE_SCTP_PLPMTUD_PROBE_INTERVAL
    AIOSCTP_CONST(SCTP_PLPMTUD_PROBE_INTERVAL),
#endif

    /* SCTP_PEER_ADDR_PARAMS flags */
    AIOSCTP_CONST(SPP_HB_ENABLE),
    AIOSCTP_CONST(SPP_HB_DISABLE),
    AIOSCTP_CONST(SPP_HB),
    AIOSCTP_CONST(SPP_HB_DEMAND),
    AIOSCTP_CONST(SPP_PMTUD_ENABLE),
    AIOSCTP_CONST(SPP_PMTUD_DISABLE),
    AIOSCTP_CONST(SPP_PMTUD),
    AIOSCTP_CONST(SPP_SACKDELAY_ENABLE),
    AIOSCTP_CONST(SPP_SACKDELAY_DISABLE),
    AIOSCTP_CONST(SPP_SACKDELAY),
    AIOSCTP_CONST(SPP_HB_TIME_IS_ZERO),
#ifdef HAVE_SPP_DSCP
    AIOSCTP_CONST(SPP_IPV6_FLOWLABEL),
    AIOSCTP_CONST(SPP_DSCP),
#endif

    /* PR-SCTP policies */
    AIOSCTP_CONST(SCTP_PR_SCTP_NONE),
    AIOSCTP_CONST(SCTP_PR_SCTP_TTL),
    AIOSCTP_CONST(SCTP_PR_SCTP_RTX),
    AIOSCTP_CONST(SCTP_PR_SCTP_PRIO),
    AIOSCTP_CONST(SCTP_PR_SCTP_MAX),
    AIOSCTP_CONST(SCTP_PR_SCTP_MASK),
#ifdef HAVE_SCTP_PR_SCTP_ALL
    AIOSCTP_CONST(SCTP_PR_SCTP_ALL),
#endif

    /* stream reconfiguration */
    AIOSCTP_CONST(SCTP_ENABLE_RESET_STREAM_REQ),
    AIOSCTP_CONST(SCTP_ENABLE_RESET_ASSOC_REQ),
    AIOSCTP_CONST(SCTP_ENABLE_CHANGE_ASSOC_REQ),
    AIOSCTP_CONST(SCTP_ENABLE_STRRESET_MASK),
    AIOSCTP_CONST(SCTP_STREAM_RESET_INCOMING),
    AIOSCTP_CONST(SCTP_STREAM_RESET_OUTGOING),

    /* stream schedulers (enum values: those of this header) */
    AIOSCTP_CONST(SCTP_SS_FCFS),
#ifdef HAVE_SCTP_SS_DEFAULT
    AIOSCTP_CONST(SCTP_SS_DEFAULT),
#endif
    AIOSCTP_CONST(SCTP_SS_PRIO),
    AIOSCTP_CONST(SCTP_SS_RR),
    AIOSCTP_CONST(SCTP_SS_MAX),

    /* AUTH */
    AIOSCTP_CONST(SCTP_AUTH_HMAC_ID_SHA1),
    AIOSCTP_CONST(SCTP_AUTH_HMAC_ID_SHA256),

    /* peer address states (sctp_paddrinfo.spinfo_state) */
    AIOSCTP_CONST(SCTP_INACTIVE),
    AIOSCTP_CONST(SCTP_PF),
#ifdef HAVE_SCTP_POTENTIALLY_FAILED
    AIOSCTP_CONST(SCTP_POTENTIALLY_FAILED),
#endif
    AIOSCTP_CONST(SCTP_ACTIVE),
    AIOSCTP_CONST(SCTP_UNCONFIRMED),
    AIOSCTP_CONST(SCTP_UNKNOWN),

    /* association states (sctp_status.sstat_state) */
    AIOSCTP_CONST(SCTP_EMPTY),
    AIOSCTP_CONST(SCTP_CLOSED),
    AIOSCTP_CONST(SCTP_COOKIE_WAIT),
    AIOSCTP_CONST(SCTP_COOKIE_ECHOED),
    AIOSCTP_CONST(SCTP_ESTABLISHED),
    AIOSCTP_CONST(SCTP_SHUTDOWN_PENDING),
    AIOSCTP_CONST(SCTP_SHUTDOWN_SENT),
    AIOSCTP_CONST(SCTP_SHUTDOWN_RECEIVED),
    AIOSCTP_CONST(SCTP_SHUTDOWN_ACK_SENT),
    {NULL, 0},
};
