"""A hostile client: CONNS connections each write N pipelined `GET /helloworld` and read nothing, then hold HOLD s.

    python3 pipeline_flood.py HOST PORT CONNS N HOLD
Each connection stops writing when the server stops reading for HOLD seconds (its receive window is full).
"""
import socket, sys, threading, time
host, port, conns, n, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
req = b"GET /helloworld HTTP/1.1\r\nHost: x\r\n\r\n"
def one(i):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sent = 0
    s.settimeout(hold)
    try:
        chunk = req * 1000
        while sent < n:
            s.sendall(chunk); sent += 1000
    except Exception as e:
        print(f"conn {i}: stopped after {sent} requests: {e!r}", flush=True)
    print(f"conn {i}: sent {sent}", flush=True)
    time.sleep(hold)
    s.close()
ts = [threading.Thread(target=one, args=(i,)) for i in range(conns)]
[t.start() for t in ts]; [t.join() for t in ts]
