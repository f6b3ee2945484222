"""A checksummed bulk transfer for the namespace tests: `receive ADDR PORT` accepts one TCP
connection and prints the SHA-256 of what arrived; `send ADDR PORT FILE` sends FILE and prints
its SHA-256. Bounded: 60 s at most."""
import hashlib
import socket
import sys

mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
family = socket.AF_INET6 if ":" in addr else socket.AF_INET
digest = hashlib.sha256()
if mode == "receive":
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(1)
        s.settimeout(60)
        conn, _ = s.accept()
        conn.settimeout(60)
        while chunk := conn.recv(1 << 16):
            digest.update(chunk)
else:
    with open(sys.argv[4], "rb") as f, socket.create_connection((addr, port), timeout=60) as s:
        while chunk := f.read(1 << 16):
            digest.update(chunk)
            s.sendall(chunk)
print(digest.hexdigest())
