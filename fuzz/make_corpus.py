#!/usr/bin/env python3
"""Builds the seed corpora of the fuzz targets and their fixed keys from the golden vectors.

Writes
  fuzz/corpus/<target>/*.bin   raw wire bytes of captured packets (and key files, replay streams)
  fuzz/fuzz_keys.h             the keys those packets were made with, as hex constants

from tests/data/openvpn-2.6.14/*.json (captured from stock OpenVPN 2.6.14). Re-running it gives
the same files. Each target's directory is emptied first, except for files named regress-*
(inputs that once crashed a target, added by hand).

Usage: fuzz/make_corpus.py [--check]   (--check: exit 1 if the committed files differ)
"""

import hashlib
import hmac
import json
import pathlib
import struct
import sys

FUZZ_DIR = pathlib.Path(__file__).resolve().parent
VECTORS = FUZZ_DIR.parent / "tests" / "data" / "openvpn-2.6.14"
CORPUS = FUZZ_DIR / "corpus"
KEYS_HEADER = FUZZ_DIR / "fuzz_keys.h"


def load(name):
    with open(VECTORS / name, encoding="utf-8") as f:
        return json.load(f)


def direction_tag(direction):
    return {"client->server": "c2s", "server->client": "s2c"}[direction]


def file_name(vector_id, direction=None):
    name = vector_id.replace("/", "_").replace("->", "-")
    if direction is not None:
        name += "_" + direction_tag(direction)
    return name + ".bin"


def pick(vectors, per_group, key):
    """The first `per_group` vectors of each group (by `key`), plus each group's largest."""
    groups = {}
    for v in vectors:
        groups.setdefault(key(v), []).append(v)
    out = []
    for members in groups.values():
        chosen = members[:per_group]
        largest = max(members, key=lambda v: len(v["wire"]))
        if largest not in chosen:
            chosen.append(largest)
        out.extend(chosen)
    return out


# --- corpora -----------------------------------------------------------------------------------


def corpus_data_v2():
    d = load("data-aead.json")
    sessions = {"tlscrypt-aes256gcm", "tlsauth-sha256-aes128gcm", "tlsauth-sha1-chacha20"}
    vectors = [v for v in d["vectors"] if v["session"] in sessions]
    files = {}
    for v in pick(vectors, 4, lambda v: (v["session"], v["direction"])):
        files[file_name(v["id"])] = bytes.fromhex(v["wire"])
    # One packet of each renegotiated key: no fixed key opens them, they seed the parsers only.
    seen = set()
    for v in d["vectors"]:
        if v["session"] == "reneg" and v["key_id"] not in seen:
            seen.add(v["key_id"])
            files[file_name(v["id"])] = bytes.fromhex(v["wire"])
    return files


def corpus_control_packet():
    files = {}
    for v in load("control-plain.json")["vectors"]:
        files[file_name(v["id"], v["direction"])] = bytes.fromhex(v["wire"])
    for s in load("tls-auth.json")["sessions"]:
        for v in s["vectors"][:4]:
            files[file_name(v["id"], v["direction"])] = bytes.fromhex(v["wire"])
    for v in load("tls-crypt.json")["vectors"][:6]:
        files[file_name(v["id"], v["direction"])] = bytes.fromhex(v["wire"])
    for v in load("tls-crypt-v2.json")["vectors"][:6]:
        files[file_name(v["id"], v["direction"])] = bytes.fromhex(v["wire"])
    return files


def corpus_tls_auth_verify():
    files = {}
    for s in load("tls-auth.json")["sessions"]:
        s2c = 0
        for v in s["vectors"]:
            if v["direction"] == "server->client":
                s2c += 1
                if s2c > 4:
                    continue
            files[file_name(v["id"], v["direction"])] = bytes.fromhex(v["wire"])
    return files


def corpus_tls_crypt_unwrap():
    d = load("tls-crypt.json")
    return {file_name(v["id"], v["direction"]): bytes.fromhex(v["wire"]) for v in d["vectors"]}


def corpus_tls_crypt_v2_unwrap():
    d = load("tls-crypt-v2.json")
    return {file_name(v["id"], v["direction"]): bytes.fromhex(v["wire"]) for v in d["vectors"]}


def corpus_static_key_parse():
    files = {}
    for key in sorted((VECTORS / "pki").glob("*.key")):
        text = key.read_bytes()
        files[key.stem + ".key"] = text
        files[key.stem + "_crlf.key"] = text.replace(b"\n", b"\r\n")
    # tls-crypt-v2 client key as a single base64 line, no trailing newline.
    v2c = (VECTORS / "pki" / "v2c.key").read_text().splitlines()
    files["v2c_oneline.key"] = ("\n".join([v2c[0], "".join(v2c[1:-1]), v2c[-1]])).encode()
    return files


def replay_stream(config, ops):
    """config byte, then one 3-byte operation per (mode, time code, value); see replay_window.cc."""
    out = bytearray([config])
    for mode, time_code, value in ops:
        out.append((time_code << 2) | mode)
        out += struct.pack(">H", value)
    return bytes(out)


def corpus_replay_window():
    fwd, back, jump, absolute = 0, 1, 2, 3
    dt0, dt1, dt5, dt_big = 0, 32, 36, 63
    files = {}
    # Window 2048 (bit 0 clear), backtrack 15 s: in order, one per second.
    files["inorder_bt15.bin"] = replay_stream(15 << 1, [(fwd, dt1, 0)] * 40)
    # Reordering inside the window, and replays of what was just accepted.
    ops = []
    for i in range(24):
        ops += [(fwd, dt0, 3), (back, dt0, 1), (back, dt0, 2), (back, dt0, 1), (back, dt1, 0)]
    files["reorder_bt15.bin"] = replay_stream(15 << 1, ops)
    # The window edge: ids exactly 2047, 2048 and 2049 behind the highest.
    ops = [(jump, dt0, 300)]
    for d in (2046, 2047, 2048, 2049, 2050):
        ops += [(back, dt0, d)]
    files["edge_w2048.bin"] = replay_stream(15 << 1, ops)
    # Window 64 (bit 0 set): the edge at 63, 64, 65.
    ops = [(fwd, dt0, 100)] + [(back, dt0, d) for d in (62, 63, 64, 65)]
    files["edge_w64.bin"] = replay_stream(1 | (15 << 1), ops)
    # The time rule: a hole left behind, filled after more than the backtrack.
    ops = [(fwd, dt0, 0), (fwd, dt0, 1), (fwd, dt5, 0), (fwd, dt5, 0), (fwd, dt5, 0),
           (fwd, dt5, 0), (back, dt0, 4), (back, dt0, 5), (back, dt0, 6)]
    files["expire_bt15.bin"] = replay_stream(15 << 1, ops)
    files["expire_bt0.bin"] = replay_stream(0, ops)
    files["expire_bt100.bin"] = replay_stream(100 << 1, ops + [(fwd, dt_big, 0), (back, dt0, 3)])
    # Zero, absolute ids near the 32-bit end, large forward jumps.
    ops = [(absolute, dt0, 0), (absolute, dt0, 5), (absolute, dt0, 0x8010), (jump, dt1, 0xffff),
           (back, dt0, 17), (absolute, dt0, 3)]
    files["absolute_jump.bin"] = replay_stream(15 << 1, ops)
    return files


def tcp_segment(v6, seq, payload, flags=0x10, sport=40000):
    """An IPv4 or IPv6 TCP packet (20-byte TCP header), checksums left zero."""
    tcp = struct.pack(">HHIIBBHHH", sport, 5201, seq, 777, 5 << 4, flags, 502, 0, 0)
    if v6:
        ip = struct.pack(">IHBB", 6 << 28, len(tcp) + len(payload), 6, 64)
        ip += bytes(15) + b"\x02" + bytes(15) + b"\x01"
    else:
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0x1234,
                         0x4000, 64, 6, 0, bytes([10, 8, 0, 2]), bytes([10, 8, 0, 1]))
    return ip + tcp + payload


def vnet_header(flags, gso_type, gso_size, csum_start=0, csum_offset=0):
    """A virtio-net header (little-endian, hdr_len 0), as the offload targets read it."""
    return struct.pack("<BBHHHH", flags, gso_type, 0, gso_size, csum_start, csum_offset)


def length_framed(items):
    """Each packet after its 2-byte big-endian length (the offload targets' input)."""
    return b"".join(struct.pack(">H", len(p)) + p for p in items)


def corpus_tcp_offload():
    """vnet header, then packets with 2-byte lengths; see tcp_offload.cc."""
    vnet, packets = vnet_header, length_framed

    files = {}
    for v6 in (False, True):
        name = "v6" if v6 else "v4"
        run = [tcp_segment(v6, 1 + i * 1000, bytes([i]) * 1000) for i in range(6)]
        run.append(tcp_segment(v6, 6001, b"x" * 300, flags=0x18))
        files["run_%s.bin" % name] = vnet(0, 0, 0) + packets(run)
        superpkt = tcp_segment(v6, 1, bytes(range(256)) * 20, flags=0x18)
        files["tso_%s.bin" % name] = vnet(1, 4 if v6 else 1, 1448, 40 if v6 else 20, 16) + \
            packets([superpkt])
    mixed = [tcp_segment(False, 1, b"a" * 500), tcp_segment(False, 501, b"b" * 500, sport=1),
             tcp_segment(False, 1001, b"c" * 500, flags=0x12), tcp_segment(False, 1, b"")]
    files["mixed.bin"] = vnet(1, 0, 0, 20, 16) + packets(mixed)
    return files


def inet_sum(data, total=0):
    """The running ones' complement sum of `data` (16-bit big-endian words, odd byte padded)."""
    if len(data) % 2:
        data += b"\0"
    for i in range(0, len(data), 2):
        total += (data[i] << 8) | data[i + 1]
    return total


def fold(total):
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return total


def udp_datagram(v6, payload, ip_id=0x1000, sport=40000, df=True):
    """An IPv4 or IPv6 UDP datagram 10.8.0.2 -> 10.8.0.1 (fd00::2 -> fd00::1) with its checksums."""
    length = 8 + len(payload)
    if v6:
        src, dst = bytes(15) + b"\x02", bytes(15) + b"\x01"
        src, dst = b"\xfd" + src[1:], b"\xfd" + dst[1:]
        ip = struct.pack(">IHBB", 6 << 28, length, 17, 64) + src + dst
        pseudo = inet_sum(src + dst) + length + 17
    else:
        src, dst = bytes([10, 8, 0, 2]), bytes([10, 8, 0, 1])
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + length, ip_id, 0x4000 if df else 0,
                         64, 17, 0, src, dst)
        ip = ip[:10] + struct.pack(">H", 0xffff - fold(inet_sum(ip))) + ip[12:]
        pseudo = inet_sum(src + dst) + length + 17
    udp = struct.pack(">HHHH", sport, 5201, length, 0)
    check = 0xffff - fold(inet_sum(udp + payload, pseudo))
    return ip + udp[:6] + struct.pack(">H", check or 0xffff) + payload


def corpus_udp_offload():
    """vnet header, then packets with 2-byte lengths (as tcp_offload); see udp_offload.cc."""
    vnet, packets = vnet_header, length_framed

    files = {}
    for v6 in (False, True):
        name = "v6" if v6 else "v4"
        run = [udp_datagram(v6, bytes([i]) * 100, ip_id=(0xfffd + i) & 0xffff) for i in range(6)]
        run.append(udp_datagram(v6, b"x" * 37, ip_id=(0xfffd + 6) & 0xffff))
        files["run_%s.bin" % name] = vnet(0, 0, 0) + packets(run)
        small = [udp_datagram(v6, bytes([i]) * 64, ip_id=i) for i in range(70)]
        files["run64_%s.bin" % name] = vnet(0, 0, 0) + packets(small)
        superpkt = udp_datagram(v6, bytes(range(250)) * 4)
        files["uso_%s.bin" % name] = vnet(1, 5, 333, 40 if v6 else 20, 6) + packets([superpkt])
    fixed = [udp_datagram(False, b"f" * 80, ip_id=0) for _ in range(3)]
    mixed = fixed + [udp_datagram(False, b"a" * 80, ip_id=1, sport=1),
                     udp_datagram(False, b"b" * 80, ip_id=7, df=False),
                     udp_datagram(False, b"", ip_id=8), tcp_segment(False, 1, b"c" * 80)]
    files["mixed.bin"] = vnet(1, 5, 80, 20, 6) + packets(mixed)
    return files


def corpus_tcp_stream():
    """The cut byte (see tcp_stream.cc), then length-framed packets from the captured vectors."""

    def frame(packet):
        return struct.pack(">H", len(packet)) + packet

    data = [bytes.fromhex(v["wire"]) for v in load("data-aead.json")["vectors"][:4]]
    control = [bytes.fromhex(v["wire"]) for v in load("control-plain.json")["vectors"][:4]]
    files = {}
    files["control.bin"] = bytes([3]) + b"".join(frame(p) for p in control)
    files["data.bin"] = bytes([200]) + b"".join(frame(p) for p in data)
    files["mixed_cut1.bin"] = bytes([0]) + b"".join(frame(p) for p in data[:2] + control[:2])
    files["max_frame.bin"] = bytes([17]) + frame(bytes(65535)) + frame(control[0])
    files["zero_length.bin"] = bytes([1]) + frame(control[0]) + b"\x00\x00" + frame(control[1])
    files["partial_tail.bin"] = bytes([90]) + frame(control[0]) + b"\x01\x00" + control[1][:3]
    return files


def step_frames(first, step, packets):
    """`first`, then each packet as step (1) || length (2, big-endian) || packet, the input format
    of the session targets (control_channel, key_state, client_session, server_session)."""
    out = bytearray([first])
    for packet in packets:
        out.append(step)
        out += struct.pack(">H", len(packet)) + packet
    return bytes(out)


def corpus_control_channel():
    """The mode byte (0 plain, 1 tls-crypt), then (step, length, packet) frames holding the
    captured server->client packets that follow the server's reset (see control_channel.cc)."""

    frames = step_frames
    files = {}
    for mode, tag, name in ((0, "plain", "control-plain.json"), (1, "tls_crypt", "tls-crypt.json")):
        vectors = load(name)["vectors"][2:]
        server = [bytes.fromhex(v["wire"]) for v in vectors if v["direction"] == "server->client"]
        files[f"{tag}_in_order.bin"] = frames(mode, 1, server)
        files[f"{tag}_reversed_dup.bin"] = frames(mode, 5, server[::-1] + server[:2])
        files[f"{tag}_with_writes.bin"] = frames(mode, 0x80 | 25, server)
    return files


def corpus_key_state():
    """The control_channel seeds (key_state.cc reads the same format): the captured server's TLS
    flight reaches a KeyState's TLS session, which refuses it."""
    return corpus_control_channel()


def corpus_client_session():
    """The control_channel seeds (client_session.cc reads the same format): the captured server's
    TLS flight reaches the session's first key state, whose TLS session refuses it (a restart)."""
    return corpus_control_channel()


def corpus_server_session():
    """The start byte (0 stateful, 1 after the cookie), then (step, length, packet) frames (see
    server_session.cc): the captured client's packets after its reset, in order, reversed with
    duplicates, as notifications, and spread over more than the hand-window."""

    frames = step_frames
    vectors = load("control-plain.json")["vectors"][1:]
    client = [bytes.fromhex(v["wire"]) for v in vectors if v["direction"] == "client->server"]
    files = {}
    for start, tag in ((0, "stateful"), (1, "after_cookie")):
        files[f"{tag}_in_order.bin"] = frames(start, 1, client)
        files[f"{tag}_reversed_dup.bin"] = frames(start, 3, client[::-1] + client[:2])
        files[f"{tag}_notifications.bin"] = frames(start, 0x80 | 2, client)
        files[f"{tag}_hand_window.bin"] = frames(start, 0x7F, client[:1] * 6)
    return files


# stateless_reset.cc's fixed cookie key, clock start (a slot boundary) and first source.
STATELESS_COOKIE_KEY = b"ovpnd cookie key for the fuzzer!"
STATELESS_START = 1795510020
STATELESS_SOURCE = (bytes([10, 210, 0, 2]), 40000)


def stateless_cookie(sid, now_s):
    """The server's cookie for `sid` from the first source at `now_s` (session_cookie.h)."""
    address, port = STATELESS_SOURCE
    data = struct.pack(">I", now_s // 30) + address + struct.pack(">H", port) + sid
    return hmac.new(STATELESS_COOKIE_KEY, data, hashlib.sha256).digest()[:8]


def corpus_stateless_reset():
    """The config byte, then (step, length, bytes) frames (see stateless_reset.cc): each mode's
    captured client reset (a reply), the captured client's next packet (the stock server's
    cookie is not ours), the captured ClientHello packet as a template that the harness wraps
    with a valid cookie (state), the same from another port (none), an ACK template, and the
    reset on the stateful path. Plus tls-crypt-v2 without early negotiation, force-cookie,
    tls-crypt-v2 beside tls-crypt, and plain packets carrying a cookie until it expires."""

    def frames(config, items):
        out = bytearray([config])
        for step, packet in items:
            out.append(step)
            out += struct.pack(">H", len(packet)) + packet
        return bytes(out)

    def wires(vectors):
        return [bytes.fromhex(v["wire"]) for v in vectors]

    plain = wires(load("control-plain.json")["vectors"])
    sessions = {
        "plain": (0, plain),
        "tls_auth": (1, wires(load("tls-auth.json")["sessions"][0]["vectors"])),  # SHA256, 0/1
        "tls_crypt": (2, wires(load("tls-crypt.json")["vectors"])),
        "tls_crypt_v2": (3, wires(load("tls-crypt-v2.json")["vectors"])),
    }
    hello = plain[2]  # P_CONTROL_V1, ACK [0] + the stock server's sid, message id 1
    wkc_hello = bytes([0x58]) + hello[1:]
    ack = bytes([0x28]) + hello[1:22]  # P_ACK_V1: ACK [0] + sid, no message id
    files = {}
    for tag, (mode, w) in sessions.items():
        template = wkc_hello if mode == 3 else hello
        files[f"{tag}_handshake.bin"] = frames(mode, [
            (1, w[0]), (1, w[2]), (0x80 | 1, template), (0x80 | 0x20, template), (0x80, ack),
            (0x40, w[0])])
    v2_reset = bytes([0x50]) + plain[0][1:]  # a template: wrapped with the client's counter
    files["tls_crypt_v2_no_early.bin"] = frames(3 | 16, [(0x80, v2_reset), (0x40, v2_reset)])
    files["tls_crypt_v2_force_cookie.bin"] = frames(3 | 4 | 16, [(0x80, v2_reset)])
    files["tls_crypt_v2_and_tls_crypt.bin"] = frames(3 | 8, [
        (0, sessions["tls_crypt_v2"][1][0]), (0, sessions["tls_crypt"][1][0]),
        (0x80 | 1, wkc_hello), (0x80 | 1, hello)])
    # Plain: the cookie computed here; valid in slots 0..2 after it was made, not in slot 3.
    with_cookie = hello[:14] + stateless_cookie(hello[1:9], STATELESS_START) + hello[22:]
    files["plain_cookie_expires.bin"] = frames(0, [
        (0, plain[0]), (1, with_cookie), (31, with_cookie), (31, with_cookie), (31, with_cookie),
        (0x20, with_cookie)])
    return files


def push_and_km2_messages(kind):
    """(session, message) pairs of one kind from push-and-km2.json, the first of equal texts."""
    seen = set()
    for s in load("push-and-km2.json")["sessions"]:
        for m in s["messages"]:
            if m["kind"] == kind and m["plaintext"] not in seen:
                seen.add(m["plaintext"])
                yield s["session"], m


def corpus_key_method2_parse():
    """The sender byte (0 client, 1 server; see key_method2_parse.cc), then a captured
    key-method-2 message."""
    files = {}
    for session, m in push_and_km2_messages("key-method-2"):
        sender = 0 if m["direction"] == "client->server" else 1
        name = f"{session}_{direction_tag(m['direction'])}_key{m['key_id']}.bin"
        files[name] = bytes([sender]) + bytes.fromhex(m["plaintext"])
    return files


def corpus_control_message():
    """Captured control-message plaintexts, plus reads holding every other kind of message."""
    files = {}
    for session, m in push_and_km2_messages("control-message"):
        word = m["text"].split(",")[0].lower()
        files[f"{session}_{word}.bin"] = bytes.fromhex(m["plaintext"])
    others = [
        "AUTH_FAILED,TEMP[backoff 42,advance remote]:try later",
        "AUTH_FAILED,SESSION:token expired",
        "AUTH_FAILED,CRV1:R,E:abc:dXNlcg==:Enter PIN",
        "AUTH_PENDING,timeout 120",
        "INFO_PRE,WEB_AUTH::https://example.org/",
        "INFO,hello",
        "RESTART,[PN]server shutting down",
        "HALT,bye",
        "CR_RESPONSE,MTIzNA==",
        "PUSH_UPDATE,-route 10.0.0.0 255.0.0.0,?dns x",
    ]
    files["other_kinds.bin"] = b"".join(t.encode() + b"\0" for t in others)
    parts = ["PUSH_REPLY,route 10.1.0.0 255.255.0.0,push-continuation 2",
             "PUSH_REPLY,ping 10,push-continuation 1"]
    files["push_continuation.bin"] = b"".join(t.encode() + b"\r\n\0" for t in parts)
    return files


CONFIG_SAMPLES = FUZZ_DIR.parent / "tests" / "unit" / "config" / "data"


def corpus_config_parse():
    """The client configurations of the golden vectors, plus texts that reach the syntax
    corners: inline blocks, <connection>, quotes and escapes, CRLF and BOM, an include loop."""
    files = {p.name.replace(".conf", ".bin"): p.read_bytes()
             for p in sorted(CONFIG_SAMPLES.glob("*.conf"))}
    pem = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"
    files["inline_blocks.bin"] = (
        "client\nremote a 1194\n<ca>\n" + pem + "</ca>\n<cert>\n" + pem + "</cert>\n"
        "<key>\n-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n</key>\n"
        "key-direction 1\n<tls-auth>\n-----BEGIN OpenVPN Static key V1-----\n00\n"
        "-----END OpenVPN Static key V1-----\n</tls-auth>\n").encode()
    files["connection_blocks.bin"] = (
        "client\nca ca.crt\ncert client.crt\nkey client.key\nproto tcp\n<connection>\n"
        "remote a 1194 udp\nexplicit-exit-notify 2\n</connection>\n<connection>\nremote b 443\n"
        "server-poll-timeout 10\n</connection>\n").encode()
    files["quotes_crlf_bom.bin"] = (
        "\ufeffclient\r\nremote 'a b' 1194 # comment\r\nca \"ca.crt\"\r\ncert \"client.crt\"\r\n"
        "key client.key\r\nup \"/bin/up \\\"x\\\"\"\r\nsetenv opt frob 1\r\n"
        "ignore-unknown-option zap\r\nzap\r\n").encode()
    files["include_loop.bin"] = b"client\nconfig inc.conf\n"
    files["routes_and_options.bin"] = (
        "client\nremote a\nca ca.crt\nauth-user-pass\nroute 10.0.0.0 255.0.0.0 vpn_gateway 5\n"
        "route-ipv6 2001:db8::/32\nredirect-gateway def1 bypass-dhcp\npull-filter ignore route\n"
        "dhcp-option DNS 10.8.0.1\ndns server 0 address 10.8.0.1\nkeepalive 10 60\n"
        "data-ciphers AES-128-GCM:chacha20-poly1305\ncomp-lzo no\ndev tun0\n").encode()
    return files


SERVER_SAMPLES = CONFIG_SAMPLES / "server"


def corpus_server_config():
    """The server configurations of the golden vectors, plus texts that reach each server
    helper and topology, the option groups, and the rejections (see server_config.cc)."""
    files = {p.name.replace(".conf", ".bin"): p.read_bytes()
             for p in sorted(SERVER_SAMPLES.glob("*.conf"))}
    pki = "ca ca.crt\ncert server.crt\nkey server.key\ndh none\n"
    made_up = {
        "reference": "dev tun\nproto udp\nport 1194\ntopology subnet\n"
                     "server 10.8.0.0 255.255.255.0\n" + pki + "tls-crypt tc.key\n"
                     "data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n"
                     "keepalive 10 60\nexplicit-exit-notify 1\nverb 4\n",
        "typical": "local 0.0.0.0\nport 1194\nproto udp\ndev tun\n" + pki +
                   "ecdh-curve prime256v1\ncrl-verify crl.pem\ntopology subnet\n"
                   "server 10.8.0.0 255.255.255.0\nserver-ipv6 fd00:8::/64\n"
                   "ifconfig-pool-persist ipp.txt\npush \"redirect-gateway def1 bypass-dhcp\"\n"
                   "push \"dhcp-option DNS 10.8.0.1\"\npush \"block-outside-dns\"\n"
                   "push \"route 192.168.10.0 255.255.255.0\"\nroute 192.168.40.0 255.255.255.0\n"
                   "client-config-dir ccd\nclient-to-client\nkeepalive 10 120\n"
                   "tls-auth ta.key 0\nauth SHA256\nmax-clients 100\nuser nobody\n"
                   "group nogroup\npersist-key\npersist-tun\nstatus status.log 30\n"
                   "status-version 3\nverb 3\nscript-security 2\n"
                   "auth-user-pass-verify /bin/check via-file\nclient-connect /bin/connect\n"
                   "client-disconnect /bin/disconnect\nusername-as-common-name\n"
                   "verify-client-cert optional\ninactive 3600 100000\nconnect-freq 20 10\n"
                   "connect-freq-initial 50 5\nmanagement 127.0.0.1 7505 mgmt.pw\n"
                   "setenv SITE east\n",
        "net30_c2c": "server 10.8.0.0 255.255.255.0\nclient-to-client\n" + pki +
                     "keepalive 10 60\nproto tcp-server\n",
        "p2p_small": "topology p2p\nserver 10.8.0.8 255.255.255.248\n" + pki +
                     "proto udp6\nbind ipv6only\n",
        "ipv6_only": "server-ipv6 fd00::/112\n" + pki + "tls-crypt-v2 v2s.key allow-noncookie\n"
                     "management /run/m.sock unix\n",
        "manual": "mode server\ntls-server\ntopology subnet\nifconfig 10.9.0.1 255.255.255.0\n"
                  "ifconfig-pool 10.9.0.10 10.9.0.20\nifconfig-ipv6 fd00:9::1/64\n"
                  "ifconfig-ipv6-pool fd00:9::100/64\npush \"route-gateway 10.9.0.1\"\n"
                  "push \"comp-lzo no\"\n" + pki + "ping 10\nping-restart 60\n",
        "rejected": "server 10.8.0.0 255.255.255.0\n" + pki +
                    "push \"compress lz4-v2\"\niroute 10.1.0.0 255.255.0.0\nremote a\n",
        "include_loop": "config inc.conf\n",
        "setenv_opt": "server 10.8.0.0 255.255.255.0 nopool\n" + pki +
                      "setenv opt learn-address /bin/x\nignore-unknown-option zap\nzap 1\n"
                      "ifconfig-pool 10.8.0.100 10.8.0.200\nreneg-sec 600 300\n"
                      "tun-mtu 1400\nmssfix 1360 mtu\n",
    }
    for name, text in made_up.items():
        files[name + ".bin"] = text.encode()
    return files


def corpus_ccd_parse():
    """client-config-dir files (see ccd_parse.cc)."""
    texts = {
        "static_address": "ifconfig-push 10.8.0.50 255.255.255.0\n"
                          "ifconfig-ipv6-push fd00::50/64 fd00::1\n",
        "routes": "iroute 192.168.50.0 255.255.255.0\niroute 192.168.51.7\n"
                  "iroute-ipv6 fd00:50::/48\npush \"route 10.50.0.0 255.255.0.0\"\n",
        "push_edits": "push \"dhcp-option DNS 10.9.9.9\"\npush-remove dhcp-option\n"
                      "push-reset\npush \"topology subnet\"\npush-remove ifconfig\n"
                      "push-remove ifconfig-ipv6\n",
        "outside": "ifconfig-push 10.9.0.50 10.9.0.49 10.9.0.51\niroute 192.168.50.9 255.255.255.0\n",
        "disable": "# off\ndisable\n",
        "include_loop": "config inc.ccd\n",
        "bad": "iroute 192.168.50.0 255.0.255.0\n",
    }
    return {name + ".bin": text.encode() for name, text in texts.items()}


def corpus_pool_persist():
    """ifconfig-pool-persist files (see pool_persist.cc)."""
    texts = {
        "openvpn26": "alice,10.8.0.2,fd00::1000\nbob,10.8.0.3,\ncarol,,fd00::1002\n",
        "openvpn24": "alice,10.8.0.4\nbob,10.8.0.8\n",
        "comments_crlf": "# pool\r\n; old\r\nalice,10.8.0.2,\r\n\r\nbob,10.8.0.3,fd00::1,x\r\n",
        "bad_lines": "justaname\n,10.8.0.2\nfrank,10.8.0.300,fd00::1\nheidi,,\nivan,10.8.0.9,x\n",
    }
    return {name + ".bin": text.encode() for name, text in texts.items()}


def corpus_push_options():
    """The policy byte (see push_options.cc), then a captured PUSH_REPLY (or a made-up one)."""
    files = {}
    for session, m in push_and_km2_messages("control-message"):
        text = bytes.fromhex(m["plaintext"])
        if text.startswith(b"PUSH_REPLY"):
            files[f"{session}_push_reply.bin"] = b"\x00" + text
    made_up = ("PUSH_REPLY,route 10.1.0.0 255.255.0.0,route 10.2.0.0,route-ipv6 2001:db8::/32,"
               "redirect-gateway def1,dhcp-option DNS 10.8.0.1,dns server 0 address 10.8.0.1,"
               "block-ipv6,ifconfig-ipv6 fd00::2/64 fd00::1,echo hi,inactive 300 1000,"
               "push-continuation 2")
    for policy in (0, 1, 2, 4, 7):
        files[f"made_up_policy{policy}.bin"] = bytes([policy]) + made_up.encode()
    return files


def corpus_net_plan():
    """The configuration byte (see net_plan.cc), then the options of a made-up PUSH_REPLY."""
    subnet = "route-gateway 10.8.0.1,topology subnet,ifconfig 10.8.0.2 255.255.255.0"
    replies = {
        "subnet_def1": subnet + ",redirect-gateway def1,route 10.1.0.0 255.255.0.0",
        "net30_routes": "ifconfig 10.8.0.6 10.8.0.5,route 10.8.0.1,"
                        "route 192.168.5.0 255.255.255.0 net_gateway 5,"
                        "route remote_host 255.255.255.255 net_gateway",
        "ipv6": subnet + ",ifconfig-ipv6 fd00::1000/64 fd00::1,route-ipv6 2001:db8:1::/48,"
                "route-ipv6 2001:db8:2::/48 net_gateway,redirect-gateway ipv6 !ipv4",
        "bypass_dns": subnet + ",dhcp-option DNS 192.0.2.53,"
                      "redirect-gateway def1 bypass-dns bypass-dhcp block-local",
        "bad_ifconfig": "topology subnet,ifconfig 10.8.0.2 255.0.255.0",
    }
    files = {}
    for name, text in replies.items():
        for flags in (0, 6, 9, 16):
            files[f"{name}_{flags}.bin"] = bytes([flags]) + text.encode()
    return files


def corpus_script_env():
    """The flags byte (see script_env.cc), then the options of a made-up PUSH_REPLY."""
    subnet = "route-gateway 10.8.0.1,topology subnet,ifconfig 10.8.0.2 255.255.255.0"
    replies = {
        "subnet_dns": subnet + ",route 10.1.0.0 255.255.0.0,route 10.2.0.0 255.255.0.0 10.8.0.9 7,"
                      "dhcp-option DNS 10.8.0.1,dhcp-option DOMAIN corp.example,"
                      "dns server 1 address 10.8.0.53 [fd00::53]:5353,"
                      "dns search-domains a.example,setenv-safe PUSHED yes,peer-id 3",
        "net30_ipv6": "ifconfig 10.8.0.6 10.8.0.5,ifconfig-ipv6 fd00::2/64 fd00::1,"
                      "route-ipv6 2001:db8::/32,dhcp-option DISABLE-NBT,tun-mtu 1400",
        "control_chars": subnet + ",setenv-safe A\x01B v\x7fw,dhcp-option DOMAIN x\x02y",
    }
    files = {}
    for name, text in replies.items():
        for flags in (0, 7, 12):
            files[f"{name}_{flags}.bin"] = bytes([flags]) + text.encode()
    return files


CORPORA = {
    "config_parse": corpus_config_parse,
    "server_config": corpus_server_config,
    "ccd_parse": corpus_ccd_parse,
    "pool_persist": corpus_pool_persist,
    "push_options": corpus_push_options,
    "control_channel": corpus_control_channel,
    "key_state": corpus_key_state,
    "client_session": corpus_client_session,
    "server_session": corpus_server_session,
    "stateless_reset": corpus_stateless_reset,
    "data_v2": corpus_data_v2,
    "control_packet": corpus_control_packet,
    "tls_auth_verify": corpus_tls_auth_verify,
    "tls_crypt_unwrap": corpus_tls_crypt_unwrap,
    "tls_crypt_v2_unwrap": corpus_tls_crypt_v2_unwrap,
    "static_key_parse": corpus_static_key_parse,
    "replay_window": corpus_replay_window,
    "tcp_offload": corpus_tcp_offload,
    "udp_offload": corpus_udp_offload,
    "tcp_handshake": corpus_tcp_stream,  # the same input format
    "tcp_stream": corpus_tcp_stream,
    "key_method2_parse": corpus_key_method2_parse,
    "control_message": corpus_control_message,
    "net_plan": corpus_net_plan,
    "script_env": corpus_script_env,
}

# --- keys ----------------------------------------------------------------------------------------


def cpp_hex(name, comment, hexstr):
    """A constant `name` = hex_bytes<N>("..."), split in chunks that clang-format leaves alone."""
    n = len(hexstr) // 2
    lines = [f"// {comment}"] if comment else []
    head = f'inline constexpr auto {name} = hex_bytes<{n}>('
    if len(head) + len(hexstr) + 4 <= 100:
        lines.append(f'{head}"{hexstr}");')
        return "\n".join(lines)
    call = f'hex_bytes<{n}>("{hexstr}");'
    if 4 + len(call) <= 100:
        lines += [f"inline constexpr auto {name} =", "    " + call]
        return "\n".join(lines)
    lines.append(head)
    chunks = [hexstr[i:i + 64] for i in range(0, len(hexstr), 64)]
    for i, chunk in enumerate(chunks):
        lines.append(f'    "{chunk}"' + (");" if i == len(chunks) - 1 else ""))
    return "\n".join(lines)


def keys_header():
    aead = load("data-aead.json")
    tls_auth = load("tls-auth.json")
    tls_crypt = load("tls-crypt.json")
    v2 = load("tls-crypt-v2.json")

    parts = []
    data_keys = []
    for session, alg, stem in (("tlscrypt-aes256gcm", "kAes256Gcm", "kAes256Gcm"),
                               ("tlsauth-sha256-aes128gcm", "kAes128Gcm", "kAes128Gcm"),
                               ("tlsauth-sha1-chacha20", "kChaCha20Poly1305", "kChaCha20")):
        keys = aead["sessions"][session]["keys_by_key_id"]["0"]
        for direction in ("client->server", "server->client"):
            tag = direction_tag(direction).capitalize()
            k = keys[direction]
            where = f"data-aead.json, session {session}, key_id 0, {direction}"
            parts.append(cpp_hex(f"{stem}{tag}Key", where + ": key, implicit IV", k["cipher_key"]) +
                         "\n" + cpp_hex(f"{stem}{tag}Iv", None, k["implicit_iv"]))
            data_keys.append(f"    DataKey{{crypto::CipherAlg::{alg}, {stem}{tag}Key, "
                             f"{stem}{tag}Iv}},")

    ta = {s["key_file"]["key"] for s in tls_auth["sessions"]}
    assert len(ta) == 1, "the tls-auth sessions share pki/ta.key"
    parts.append(cpp_hex("kTlsAuthKey", "tls-auth.json key_file.key (pki/ta.key)", ta.pop()))
    parts.append(cpp_hex("kTlsCryptKey", "tls-crypt.json key_file.key (pki/tc.key)",
                         tls_crypt["key_file"]["key"]))
    parts.append(cpp_hex("kTlsCryptV2ServerKey", "tls-crypt-v2.json server_key.key (pki/v2s.key)",
                         v2["server_key"]["key"]))
    parts.append(cpp_hex("kTlsCryptV2Kc", "tls-crypt-v2.json client_key.Kc (pki/v2c.key)",
                         v2["client_key"]["Kc"]))
    parts.append(cpp_hex("kTlsCryptV2Wkc", "tls-crypt-v2.json client_key.WKc (pki/v2c.key)",
                         v2["client_key"]["WKc"]))

    body = "\n\n".join(parts)
    table = "\n".join(data_keys)
    return f"""#pragma once
// Generated by fuzz/make_corpus.py from tests/data/openvpn-2.6.14/*.json: do not edit.
//
// The fixed keys of the fuzz targets: the keys the seed packets in fuzz/corpus/ were made with,
// so that the seeds authenticate and the fuzzer reaches the code behind the tag checks.

#include <array>
#include <cstdint>
#include <span>

#include "crypto/cipher_alg.h"
#include "fuzz_target.h"

namespace ovpn::fuzz::keys {{

{body}

struct DataKey {{
  crypto::CipherAlg alg;
  std::span<const uint8_t> key;
  std::span<const uint8_t> implicit_iv;
}};

// Every data-channel key of the seeds, both directions of each cipher's session.
inline constexpr DataKey kDataKeys[] = {{
{table}
}};

}}  // namespace ovpn::fuzz::keys
"""


def generated(directory):
    """The files of `directory` that this script wrote (all but regress-*)."""
    if not directory.exists():
        return []
    return [p for p in directory.glob("*") if not p.name.startswith("regress-")]


def main():
    check = "--check" in sys.argv[1:]
    differ = []
    total = 0
    for target, make in CORPORA.items():
        files = make()
        directory = CORPUS / target
        total += sum(len(b) for b in files.values())
        if check:
            present = {p.name: p.read_bytes() for p in generated(directory)}
            if present != files:
                differ.append(str(directory))
            continue
        directory.mkdir(parents=True, exist_ok=True)
        for old in generated(directory):
            old.unlink()
        for name, data in sorted(files.items()):
            (directory / name).write_bytes(data)
        print(f"{target}: {len(files)} files, {sum(len(b) for b in files.values())} bytes")
    header = keys_header()
    if check:
        if not KEYS_HEADER.exists() or KEYS_HEADER.read_text() != header:
            differ.append(str(KEYS_HEADER))
        if differ:
            print("out of date: " + ", ".join(differ))
            return 1
        return 0
    KEYS_HEADER.write_text(header)
    print(f"total corpus: {total} bytes; wrote {KEYS_HEADER.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
