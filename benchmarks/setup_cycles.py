"""Association set-up cycles (connect + close), short and alternating:
what benchmarks/README.md 7b calls "a harness of its own".

    python benchmarks/setup_cycles.py KINDS REPS N TAG     (inside the sandbox)

KINDS: comma-separated among c (a blocking stdlib loop, socket/connect/close,
against a blocking accept/recv/close server: the reference), asyncio and
uvloop (create_sctp_connection + close against create_sctp_server),
highlevel (aiosctp.connect() + close()), tcp (asyncio create_connection +
close against an asyncio TCP server). Each run forks its server, makes N
cycles and prints the median cycle, then a line with the client's CPU and
wait time, the server's CPU and ksoftirqd's per cycle (schedstat), and the
client's page faults and context switches per cycle. Run from the root of
the tree to measure (it imports aiosctp from the working directory), so two
trees can alternate in one boot; a failed set-up (5 s timeout: a port
collision, README 7b) is counted, not fatal."""
import asyncio, glob, os, socket, sys, time
if glob.glob(os.path.join(os.getcwd(), "aiosctp", "_sctp*.so")):
    # a built tree: measure it (two trees can alternate in one boot);
    # else (an unpacked sdist, make test) the installed package
    sys.path.insert(0, os.getcwd())
import aiosctp
IPPROTO_SCTP = 132

def server_proc(kind, wfd):
    if kind == "c":
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
        lst.bind(("127.0.0.1", 0)); lst.listen(4096)
        os.write(wfd, str(lst.getsockname()[1]).encode() + b"\n")
        while True:
            c, _ = lst.accept(); d = c.recv(100); c.close()
            if d: break
        os._exit(0)
    if kind == "uvloop":
        import uvloop; uvloop.install()
    async def main():
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if kind == "tcp":
            class T(asyncio.Protocol):
                def data_received(self, data):
                    if not done.done(): done.set_result(None)
            srv = await loop.create_server(T, "127.0.0.1", 0, backlog=4096)
        else:
            class P(aiosctp.SCTPProtocol):
                def message_received(self, data, info):
                    if not done.done(): done.set_result(None)
            srv = await aiosctp.create_sctp_server(P, "127.0.0.1", 0, backlog=4096)
        os.write(wfd, str(srv.sockets[0].getsockname()[1]).encode() + b"\n")
        await done
        srv.close()
    asyncio.run(main())
    os._exit(0)

def client(kind, port, n):
    addr = ("127.0.0.1", port)
    cyc = []
    fails = 0
    if kind == "c":
        prev = time.monotonic()
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
            s.settimeout(5)
            try:
                s.connect(addr)
            except OSError:
                fails += 1
            s.close()
            t = time.monotonic(); cyc.append(t - prev); prev = t
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_SCTP)
        s.connect(addr); s.send(b"x" * 8); s.close()
    else:
        if kind == "uvloop":
            import uvloop; uvloop.install()
        async def main():
            nonlocal fails
            loop = asyncio.get_running_loop()
            class Plain(aiosctp.SCTPProtocol):
                def __init__(self):
                    self.closed = loop.create_future()
                def connection_lost(self, exc):
                    self.closed.set_result(exc)
            class TPlain(asyncio.Protocol):
                def __init__(self):
                    self.closed = loop.create_future()
                def connection_lost(self, exc):
                    self.closed.set_result(exc)
            prev = time.monotonic()
            for i in range(n):
                try:
                    if kind == "highlevel":
                        a = await aiosctp.connect("127.0.0.1", port, timeout=5)
                        await a.close()
                    elif kind == "tcp":
                        t, p = await loop.create_connection(TPlain, "127.0.0.1", port)
                        t.close(); await p.closed
                    else:
                        t, p = await aiosctp.create_sctp_connection(Plain, "127.0.0.1", port, timeout=5)
                        t.close(); await p.closed
                except OSError:
                    fails += 1
                tn = time.monotonic(); cyc.append(tn - prev); prev = tn
            if kind == "tcp":
                t, p = await loop.create_connection(TPlain, "127.0.0.1", port)
                t.write(b"x" * 8); t.close(); await p.closed
            else:
                t, p = await aiosctp.create_sctp_connection(Plain, "127.0.0.1", port)
                t.send(b"x" * 8); t.close(); await p.closed
        asyncio.run(main())
    cyc.sort()
    return cyc[len(cyc) // 2], fails

def sched(pid):
    with open(f"/proc/{pid}/schedstat") as f:
        a = f.read().split()
    return int(a[0]), int(a[1])  # ns on cpu, ns waiting

def stat():
    with open("/proc/stat") as f:
        p = f.readline().split()[1:]
    return [int(x) for x in p]

def ksoft():
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/comm") as f:
                    c = f.read().strip()
            except OSError:
                continue
            if c.startswith("ksoftirqd") :
                return int(d)

KS = None
def one(kind, n):
    global KS
    if KS is None: KS = ksoft()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        server_proc({"c": "c", "uvloop": "uvloop", "tcp": "tcp"}.get(kind, "asyncio"), w)
    os.close(w)
    port = int(os.read(r, 100).split()[0]); os.close(r)
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    c0, s0, k0, st0 = sched("self"), sched(pid), sched(KS), stat()
    t0 = time.monotonic()
    res = client(kind, port, n)
    el = time.monotonic() - t0
    c1, s1, k1, st1 = sched("self"), sched(pid), sched(KS), stat()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    print(f"   minflt/cycle {(ru1.ru_minflt-ru0.ru_minflt)/n:.2f} vcs {(ru1.ru_nvcsw-ru0.ru_nvcsw)/n:.2f} ivcs {(ru1.ru_nivcsw-ru0.ru_nivcsw)/n:.2f}", flush=True)
    os.waitpid(pid, 0)
    d = [b - a for a, b in zip(st0, st1)]
    print(f"   per cycle us: wall {el/n*1e6:.0f} client cpu {(c1[0]-c0[0])/n/1e3:.0f} wait {(c1[1]-c0[1])/n/1e3:.0f} server cpu {(s1[0]-s0[0])/n/1e3:.0f} ksoftirqd {(k1[0]-k0[0])/n/1e3:.0f}  /proc/stat user,nice,sys,idle,iowait,irq,softirq: {d[:7]}", flush=True)
    return res

kinds = sys.argv[1].split(","); reps = int(sys.argv[2]); n = int(sys.argv[3])
tag = sys.argv[4] if len(sys.argv) > 4 else ""
for rep in range(reps):
    for k in kinds:
        med, fails = one(k, n)
        print(f"{tag} rep {rep} {k} {med * 1e6:.0f} fails {fails}", flush=True)
