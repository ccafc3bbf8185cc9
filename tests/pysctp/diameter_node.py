"""python-diameter's ``diameter.node.Node`` (from its wheel on PyPI,
unchanged) over ``import sctp``: a server Node listening on SCTP and a
client Node with a persistent SCTP peer, in one process; they exchange
CER/CEA and the client's peer becomes READY. Prints one JSON document.

Run by tests/test_sctp_programs.py with PySCTP 0.7.3's interpreter and with
this project's: ``python diameter_node.py PYTHON_DIAMETER_DIR PORT``.
"""

import json
import logging
import sys
import threading
import time

diameter_dir, port = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, diameter_dir)

import sctp  # noqa: E402  (the module under test)
from diameter.message.constants import APP_DIAMETER_CREDIT_CONTROL_APPLICATION  # noqa: E402
from diameter.node import Node  # noqa: E402
from diameter.node.application import SimpleThreadingApplication  # noqa: E402
from diameter.node.peer import PEER_READY_STATES  # noqa: E402

logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


def app() -> SimpleThreadingApplication:
    return SimpleThreadingApplication(APP_DIAMETER_CREDIT_CONTROL_APPLICATION,
                                      is_auth_application=True,
                                      request_handler=lambda _app, _msg: None)


def main() -> None:
    server = Node("server.example.org", "example.org", ip_addresses=["127.0.0.1"],
                  tcp_port=port, sctp_port=port)
    client_peer_on_server = server.add_peer("aaa://client.example.org", "example.org")
    server.add_application(app(), [client_peer_on_server])
    client = Node("client.example.org", "example.org")
    peer = client.add_peer("aaa://server.example.org:%d;transport=sctp" % port, "example.org",
                           ip_addresses=["127.0.0.1"], is_persistent=True)
    client.add_application(app(), [peer])
    for node in (server, client):
        node.wakeup_interval = 1  # its select() timeout: bounds the time stop() takes
    out = {"library": sctp.__file__}
    server.start()
    client.start()
    try:
        deadline = time.monotonic() + 30
        while not (peer.connection and peer.connection.state in PEER_READY_STATES
                   and client_peer_on_server.connection
                   and client_peer_on_server.connection.state in PEER_READY_STATES):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        out["client_ready"] = bool(peer.connection and peer.connection.state in PEER_READY_STATES)
        out["server_ready"] = bool(client_peer_on_server.connection and
                                   client_peer_on_server.connection.state in PEER_READY_STATES)
        if peer.connection:
            out["server_identity_seen_by_client"] = peer.connection.host_identity
        if client_peer_on_server.connection:
            out["client_identity_seen_by_server"] = client_peer_on_server.connection.host_identity
    finally:
        # both at once: each stop() waits for its threads for a few seconds
        stops = [threading.Thread(target=node.stop, kwargs={"wait_timeout": 10, "force": True})
                 for node in (client, server)]
        for t in stops:
            t.start()
        for t in stops:
            t.join()
    print(json.dumps(out))


main()
