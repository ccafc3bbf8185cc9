"""A request/answer over sctpsocket_tcp, written in one of the PPID
conventions found in programs that use PySCTP (docs/sctp-compat.md, "PPID
byte order"); prints one JSON document with the PPIDs each side computed.

    python ppid_conventions.py CONVENTION PORT

CONVENTION:
  pysctp-0.7.3  sctp_send(ppid=46); a received PPID is ntohl(info.ppid)
                (written for 0.7.3: PySCTP's own README echo example)
  htonl-ntohl   sctp_send(ppid=htonl(46)); a received PPID is ntohl(info.ppid)
                (written for PySCTP < 0.7: pycrate_corenet, Osmocom tests)
  echo          as pysctp-0.7.3, but the server answers with the PPID it
                received, sctp_send(ppid=info.ppid) (PySCTP's sctp_echo_srv.py)
  raw           sctp_send(ppid=46); a received PPID is info.ppid as reported
                (programs that compare it with nothing, or only log it)
  none          sctp_send() without a PPID; received PPIDs are not looked at
                (python-diameter, most small clients)

It uses only PySCTP 0.7.3's public API, so it runs unchanged on PySCTP
0.7.3 and on this project's ``sctp`` (tests/test_sctp_programs.py).
"""

import json
import socket
import sys
import threading

import sctp

convention, port = sys.argv[1], int(sys.argv[2])
PPID = 46


def send(sk, msg, echo_ppid=None):
    if convention == "echo" and echo_ppid is not None:
        sk.sctp_send(msg, ppid=echo_ppid)
    elif convention in ("pysctp-0.7.3", "echo", "raw"):
        sk.sctp_send(msg, ppid=PPID)
    elif convention == "htonl-ntohl":
        sk.sctp_send(msg, ppid=socket.htonl(PPID))
    else:
        sk.sctp_send(msg)


def recv(sk):
    _addr, _flags, msg, info = sk.sctp_recv(1024)
    if convention in ("pysctp-0.7.3", "echo", "htonl-ntohl"):
        return msg, socket.ntohl(info.ppid), info.ppid
    if convention == "raw":
        return msg, info.ppid, info.ppid
    return msg, None, None


def main():
    out = {"convention": convention}
    srv = sctp.sctpsocket_tcp(socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.events.data_io = True  # sndrcvinfo on every message
    srv.bind(("127.0.0.1", port))
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        msg, ppid, reported = recv(conn)
        out["server_saw"] = [msg.decode(), ppid]
        # a server that checks the PPID answers only what it recognises
        send(conn, b"answer" if ppid in (PPID, None) else b"unknown ppid", reported)
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    cli = sctp.sctpsocket_tcp(socket.AF_INET)
    cli.events.data_io = True
    cli.connect(("127.0.0.1", port))
    send(cli, b"request")
    msg, ppid, _reported = recv(cli)
    out["client_saw"] = [msg.decode(), ppid]
    t.join()
    cli.close()
    srv.close()
    print(json.dumps(out))


main()
