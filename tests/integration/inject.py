"""Bad input for the bad_input namespace test. Run inside namespace b:
    inject.py IFACE PEER_ADDR ENGINE_ADDR PORT
Captures one P_DATA_V2 packet that the peer's engine (PEER_ADDR:PORT) sent to ours on IFACE
(AF_PACKET), then sends, from a fresh UDP socket, to our engine (ENGINE_ADDR:PORT):
  the packet again (replay), the packet with one flipped ciphertext bit (bad tag), the packet
  with another peer id (unknown peer), the packet as P_DATA_V1 (data_v1), and a 10-byte
  truncation (malformed). Each 5 times. Bounded: gives up after 10 s without a capture."""
import socket
import struct
import sys
import time

iface, peer, engine, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
sniffer.bind((iface, 0))
sniffer.settimeout(10)
peer_raw = socket.inet_aton(peer)
deadline = time.time() + 10
packet = None
while packet is None and time.time() < deadline:
    frame = sniffer.recv(65535)
    ip = frame[14:]
    if len(ip) < 28 or ip[9] != 17 or ip[12:16] != peer_raw:
        continue
    ihl = (ip[0] & 0x0F) * 4
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    payload = ip[ihl + 8:]
    if sport == port and dport == port and len(payload) > 24 and payload[0] >> 3 == 9:
        packet = bytes(payload)
if packet is None:
    sys.exit("no data packet captured")

flipped = bytearray(packet)
flipped[30] ^= 0x01
unknown = bytearray(packet)
unknown[1:4] = b"\x00\x00\x63"  # peer id 99
v1 = bytearray(packet)
v1[0] = (6 << 3) | (packet[0] & 7)
cases = [packet, bytes(flipped), bytes(unknown), bytes(v1), packet[:10]]
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    for _ in range(5):
        for case in cases:
            s.sendto(case, (engine, port))
            time.sleep(0.01)
print("injected", 5 * len(cases))
