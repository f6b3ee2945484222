"""A paced sender for the interop tests: `paced.py ADDR PORT RATE SECONDS` connects to ADDR:PORT
(a `transfer.py receive` at the other end), sends random data at RATE bytes/s for SECONDS, and
prints the SHA-256 of what it sent, the number of bytes and the longest time one write blocked.
Bounded: a write blocked for 30 s, or a run 30 s over SECONDS, is an error."""
import hashlib
import os
import socket
import sys
import time

addr, port, rate, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
chunk = max(1024, rate // 50)  # 50 writes per second
digest = hashlib.sha256()
sent = 0
worst = 0.0
with socket.create_connection((addr, port), timeout=30) as s:
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        ahead = sent / rate - elapsed
        if ahead > 0:
            time.sleep(ahead)
        data = os.urandom(chunk)
        t = time.monotonic()
        s.sendall(data)
        worst = max(worst, time.monotonic() - t)
        digest.update(data)
        sent += len(data)
        if time.monotonic() - start > seconds + 30:
            sys.exit("paced.py: more than 30 s late")
print(digest.hexdigest(), sent, f"{worst:.2f}")
