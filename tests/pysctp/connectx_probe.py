"""Does sctpsocket.connectx() let other threads run while it waits?

Run in a network namespace where 10.9.9.2 is a black hole (see
sctp_helpers.netns_command): an INIT sent there is never answered, so a
blocking connectx() waits until its INIT retransmissions run out (about a
second with the parameters set below) and the association, in COOKIE_WAIT
meanwhile, is listed in /proc/net/sctp/assocs only during that wait.

A thread calls connectx(); the main thread looks for the association in
/proc. Seeing it twice in a row while the thread is still inside the call
proves that Python code ran during connectx(): with the GIL held (PySCTP
0.7.3) the main thread cannot run until connectx() has returned, when the
association is gone.

Mode "timeout" instead checks that a socket with settimeout(t) gets a
TimeoutError from connectx(), mode "nonblocking" what connectx() does on a
nonblocking socket (0.7.3, and ours by default: BlockingIOError, EINPROGRESS;
ours with AIOSCTP_SCTP_COMPAT=linux: the id at once). Uses only PySCTP 0.7.3's public API, so it
runs against both implementations; prints one JSON object.
"""

import json
import socket
import sys
import threading
import time

import sctp

BLACKHOLE = ("10.9.9.2", 9)


def assoc_listed():
    with open("/proc/net/sctp/assocs") as f:
        return "10.9.9.2" in f.read()


def make_socket(cls=sctp.sctpsocket_tcp):
    s = cls(socket.AF_INET)
    s.initparams.max_attempts = 1
    s.initparams.max_init_timeo = 1000
    r = s.get_rtoinfo()
    r.initial, r.min, r.max = 1000, 500, 1000
    s.set_rtoinfo(r)
    return s


def probe_gil():
    s = make_socket()
    state = {"in_call": False, "outcome": None}
    started = threading.Event()

    def run():
        state["in_call"] = True
        started.set()
        try:
            s.connectx([BLACKHOLE])
            state["outcome"] = "connected"
        except Exception as e:
            state["outcome"] = type(e).__name__
        finally:
            state["in_call"] = False

    t = threading.Thread(target=run)
    t.start()
    started.wait()
    observed = False
    for _ in range(20000):
        if assoc_listed() and state["in_call"]:
            # Python ran while the association existed; make sure connectx()
            # had not returned yet: the association is still there after
            # more Python code, and the call is still in progress.
            if assoc_listed() and state["in_call"]:
                observed = True
                break
        if not t.is_alive():
            break
        time.sleep(0.0005)
    t.join(60)
    s.close()
    return {"ran_during_connectx": observed, "outcome": state["outcome"],
            "thread_done": not t.is_alive()}


def probe_timeout():
    s = make_socket()
    s.initparams.max_attempts = 10
    s.settimeout(0.5)
    try:
        s.connectx([BLACKHOLE])
        outcome = "connected"
    except Exception as e:
        outcome = type(e).__name__
    s.close()
    return {"outcome": outcome}


def probe_nonblocking():
    """What a nonblocking connectx() does (the association id, or the
    exception), and whether the association waits in COOKIE_WAIT."""
    s = make_socket(sctp.sctpsocket_udp)  # (a one-to-one socket has no status yet)
    s.setblocking(False)
    out = {}
    try:
        aid = s.connectx([BLACKHOLE])
        out["outcome"] = type(aid).__name__
        out["state_is_cookie_wait"] = s.get_status(aid).state == sctp.status.state_COOKIE_WAIT
    except Exception as e:
        out["outcome"] = type(e).__name__
        out["error"] = str(e)
        out["errno"] = getattr(e, "errno", None)
    s.close()
    return out


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "gil"
    result = {"gil": probe_gil, "timeout": probe_timeout,
              "nonblocking": probe_nonblocking}[mode]()
    result["sctp"] = sctp.__file__
    print(json.dumps(result))
