"""Kernel SCTP names newer than Linux 4.18's uapi headers.

A build against older headers (the manylinux_2_28 wheel: setup.py's HAVE_*
probes) has no such names in :mod:`aiosctp._sctp`. The package must still
import there, so what it reads at import has a fallback here: the value the
kernel gives the name, which never changes once released (an enum member
such as ``PeerAddrState.ADDR_POTENTIALLY_FAILED`` keeps its meaning when a
newer kernel reports it). A socket option such a build lacks is refused
when used, with the same ``OSError(ENOPROTOOPT)`` the C core raises
(:func:`option`)."""

from __future__ import annotations

import errno

from . import _sctp

__all__ = ["option", "not_built"]

# name -> the kernel's value (include/uapi/linux/sctp.h since Linux 5.x)
_ABI = {
    "SCTP_ADDR_POTENTIALLY_FAILED": 6,
    "SCTP_DATA_IO_EVENT": 0x8000,
    "SCTP_SEND_FAILED_EVENT": 0x800D,
    "SPP_IPV6_FLOWLABEL": 0x100,
    "SPP_DSCP": 0x200,
    "SCTP_PR_SCTP_ALL": 0x80,
}


def _value(name: str) -> int:
    value: int = getattr(_sctp, name, _ABI[name])
    return value


SCTP_ADDR_POTENTIALLY_FAILED = _value("SCTP_ADDR_POTENTIALLY_FAILED")
SCTP_DATA_IO_EVENT = _value("SCTP_DATA_IO_EVENT")
SCTP_SEND_FAILED_EVENT = _value("SCTP_SEND_FAILED_EVENT")
SPP_IPV6_FLOWLABEL = _value("SPP_IPV6_FLOWLABEL")
SPP_DSCP = _value("SPP_DSCP")
SCTP_PR_SCTP_ALL = _value("SCTP_PR_SCTP_ALL")


def not_built(what: str) -> OSError:
    """The error of a feature this build's kernel headers lacked (the
    wording of the C core's)."""
    return OSError(
        errno.ENOPROTOOPT,
        f"{what}: this build of aiosctp._sctp lacks it (built against kernel "
        "headers without it, older than the kernel feature); rebuild against "
        "newer Linux uapi headers",
    )


def option(name: str) -> int:
    """The socket option ``name`` of :mod:`aiosctp._sctp`; OSError(ENOPROTOOPT)
    when this build lacks it."""
    value = getattr(_sctp, name, None)
    if value is None:
        raise not_built(name)
    return int(value)
