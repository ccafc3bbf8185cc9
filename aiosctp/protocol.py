"""The protocol interface of SCTP associations: :class:`SCTPProtocol`."""

from __future__ import annotations

import asyncio

from .events import Event
from .message import MessageInfo

__all__ = ["SCTPProtocol"]


class SCTPProtocol(asyncio.BaseProtocol):
    """Callbacks of one SCTP association.

    Every association gets its own protocol instance, made by the factory
    given to :func:`aiosctp.create_sctp_server` or
    :func:`aiosctp.create_sctp_connection`, also on a one-to-many socket.
    The order of calls is::

        connection_made -> (message_received | notification_received)*
            [-> shutdown_received] -> connection_lost

    with ``pause_writing``/``resume_writing`` between them when the
    transport's write buffer crosses its high and low water marks.
    """

    # Empty, as in asyncio's protocols: subclasses get a __dict__ unless
    # they declare slots of their own.
    __slots__ = ()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """The association is up; ``transport`` is an
        :class:`aiosctp.SCTPTransport`."""

    def message_received(self, data: bytes, info: MessageInfo) -> None:
        """One whole message arrived: ``data`` as the peer sent it (never
        split, never merged), ``info`` its stream, PPID, unordered flag,
        context, TSN, SSN and association id. Messages of a stream with a
        handler (:meth:`SCTPTransport.set_stream_handler`) go there instead."""

    def notification_received(self, event: Event) -> None:
        """A notification of the association (a dataclass from
        :mod:`aiosctp.events`): address changes, send failures (with the
        undelivered bytes), the peer's SHUTDOWN, sender dry ...

        The transport acts on the ones that end the association itself
        (COMM_LOST, SHUTDOWN_COMP ...) after this call."""

    def shutdown_received(self) -> None:
        """The peer began an orderly SHUTDOWN: no more messages will arrive
        and none can be sent; ``connection_lost(None)`` follows when the
        association is closed."""
