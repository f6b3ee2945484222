#!/usr/bin/env python3
"""Summarises the iperf3 results of bench/tunnel/run.sh.

  summarise.py cell BASE                 one run, in a few words (BASE = DIR/rROUND.TEST.PATH)
  summarise.py table DIR --paths a,b,... [--markdown FILE]
                                         the tables: medians per cell, ratios, every run

DIR holds, per run, rROUND.TEST.PATH.json (iperf3 -J of the client), .cpu_ms (CPU time of the
VPN processes of both ends during the run) and .err (why the run failed, when it did); plus
meta.tsv (key, value), paths.tsv (path, short name, description) and failed.tsv (path, reason) for paths that did
not come up.
"""

import argparse
import glob
import json
import os
import re
import statistics
import sys

TESTS = ("tcp1", "tcp4", "udp64", "pps64")
PACKET_TESTS = ("udp64", "pps64")
PPS_MAX_LOSS = 1.0  # per cent; run.sh PPS_MAX_LOSS_PERMILLE
TEST_NAMES = {"tcp1": "TCP 1 stream", "tcp4": "TCP 4 streams", "udp64": "UDP 64 B",
              "pps64": "UDP 64 B ≤1% loss"}
REFERENCES = (("openvpn", "OpenVPN"), ("wggo", "wireguard-go"), ("veth", "veth"))


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def load_run(base):
    """One run as a dict: ok, error, and the numbers of its test."""
    test = os.path.basename(base).split(".")[1]
    run = {"ok": False, "error": read_text(base + ".err")}
    cpu_ms = read_text(base + ".cpu_ms")
    text = read_text(base + ".json")
    try:
        data = json.loads(text) if text else None
    except json.JSONDecodeError:
        data = None
    if test == "pps64":
        trials = (data or {}).get("trials") or []
        if not trials:
            if not run["error"]:
                run["error"] = "no ovpn_udp_flood result"
            return run
        for t in trials:
            sent = t["sender"]["packets"]
            t["loss"] = 100.0 * (1 - t["receiver"]["packets"] / sent) if sent else 100.0
        good = [t for t in trials if t["loss"] <= PPS_MAX_LOSS]
        # The highest rate within the loss bound; when none was, the gentlest trial, as it went.
        best = max(good, key=lambda t: t["rate"]) if good else min(trials, key=lambda t: t["rate"])
        sent, recv = best["sender"], best["receiver"]
        seconds = recv["seconds"] or 1
        run.update(
            kpps=recv["packets"] / seconds / 1e3,
            sent_kpps=sent["packets"] / (sent["seconds"] or 1) / 1e3,
            loss=best["loss"],
            packets=recv["packets"],
            bytes=recv["bytes"],
            seconds=seconds,
            trials=len(trials),
            within_bound=bool(good),
        )
        cpu_ms = str(best["cpu_ms"])
    elif data is None or "end" not in data or data.get("error"):
        if not run["error"]:
            run["error"] = (data or {}).get("error", "no iperf3 result")
        return run
    elif test == "udp64":
        end = data["end"]
        recv = end.get("sum_received") or end["sum"]
        sent = end.get("sum_sent") or end["sum"]
        seconds = recv["seconds"] or 1
        packets = recv["packets"] - recv["lost_packets"]
        run.update(
            kpps=packets / seconds / 1e3,
            sent_kpps=sent["packets"] / (sent["seconds"] or 1) / 1e3,
            loss=recv["lost_percent"],
            packets=packets,
            bytes=recv["bytes"],
            seconds=seconds,
        )
    else:
        recv = data["end"]["sum_received"]
        run.update(gbps=recv["bits_per_second"] / 1e9, bytes=recv["bytes"], seconds=recv["seconds"])
    if cpu_ms is not None:
        cpu = int(cpu_ms) / 1000.0
        run["cpu"] = cpu
        run["cores"] = cpu / run["seconds"]
        if run["bytes"]:
            run["cpu_per_gb"] = cpu / (run["bytes"] / 1e9)
        if test in PACKET_TESTS and run["packets"]:
            run["cpu_us_per_pkt"] = cpu * 1e6 / run["packets"]
    run["ok"] = not run["error"]
    return run


def cell(base):
    run = load_run(base)
    if not run["ok"]:
        return "FAILED: " + (run["error"] or "?")
    if "kpps" in run:
        text = "%.1f kpps received (loss %.1f%%, sent %.1f kpps)" % (
            run["kpps"], run["loss"], run["sent_kpps"])
        if run.get("cpu"):
            text += ", VPN CPU %.2f s (%.2f µs/pkt)" % (run["cpu"], run["cpu_us_per_pkt"])
    else:
        text = "%.3f Gbit/s" % run["gbps"]
        if run.get("cpu"):
            text += ", VPN CPU %.2f s (%.2f s/GB)" % (run["cpu"], run["cpu_per_gb"])
    return text


def read_tsv(path):
    rows = []
    text = read_text(path)
    for line in (text or "").splitlines():
        if "\t" in line:
            rows.append(line.split("\t", 1))
    return rows


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Results:
    def __init__(self, directory, paths):
        self.meta = dict(read_tsv(os.path.join(directory, "meta.tsv")))
        rows = read_tsv(os.path.join(directory, "paths.tsv"))
        labels = {r[0]: r[1].split("\t")[0] for r in rows}
        self.descriptions = {r[0]: r[1].split("\t")[-1] for r in rows}
        self.failed = read_tsv(os.path.join(directory, "failed.tsv"))
        self.paths = [p for p in paths if p in labels]
        self.labels = labels
        self.runs = {}  # (path, test) -> [run, ...] in round order
        for path in self.paths:
            for test in TESTS:
                bases = glob.glob(os.path.join(directory, "r*.%s.%s.json" % (test, path)))
                bases += glob.glob(os.path.join(directory, "r*.%s.%s.err" % (test, path)))
                bases = sorted({b.rsplit(".", 1)[0] for b in bases},
                               key=lambda b: int(re.search(r"/r(\d+)\.", b).group(1)))
                self.runs[path, test] = [load_run(b) for b in bases]

    def ok_runs(self, path, test):
        return [r for r in self.runs.get((path, test), []) if r["ok"]]

    def median(self, path, test, key):
        return median([r.get(key) for r in self.ok_runs(path, test)])

    def value(self, path, test):
        return self.median(path, test, "kpps" if test in PACKET_TESTS else "gbps")


def fmt(value, spec, none="–"):
    return none if value is None else spec % value


def ratio(a, b):
    return None if a is None or not b else a / b


def reference(path, ref):
    """A path over TCP is compared with OpenVPN over TCP: the same transport."""
    if ref == "openvpn" and path.endswith("-tcp"):
        return "openvpn-tcp"
    return ref


def fmt_ratio(value):
    return fmt(value, "%.2f×")


def count_note(res, path, test):
    runs = res.runs.get((path, test), [])
    ok = len(res.ok_runs(path, test))
    if runs and ok < len(runs):
        return " (%d/%d ok)" % (ok, len(runs)) if ok else "failed"
    return ""


def main_table(res):
    head = ["path", "TCP 1 stream Gbit/s", "TCP 4 streams Gbit/s", "UDP 64B kpps (loss)",
            "UDP 64B ≤1% loss kpps", "CPU s/GB (TCP 1)"] + ["vs %s (TCP 1)" % name for _, name in REFERENCES]
    rows = []
    for path in res.paths:
        row = [res.labels[path]]
        for test in ("tcp1", "tcp4"):
            note = count_note(res, path, test)
            row.append(note if note == "failed" else fmt(res.value(path, test), "%.3f") + note)
        for test in PACKET_TESTS:
            note = count_note(res, path, test)
            if note == "failed":
                row.append(note)
            else:
                row.append(fmt(res.value(path, test), "%.1f")
                           + fmt(res.median(path, test, "loss"), " (%.0f%%)", "") + note)
        row.append(fmt(res.median(path, "tcp1", "cpu_per_gb"), "%.2f") if path != "veth" else "–")
        for ref, _ in REFERENCES:
            ref = reference(path, ref)
            row.append(fmt_ratio(ratio(res.value(path, "tcp1"), res.value(ref, "tcp1"))))
        rows.append(row)
    return head, rows


def ratio_table(res):
    head = ["path"]
    for _, name in REFERENCES[:2]:
        head += ["TCP 1 vs %s" % name, "TCP 4 vs %s" % name, "UDP 64B vs %s" % name,
                 "UDP 64B ≤1%% vs %s" % name, "CPU/GB vs %s" % name]
    rows = []
    for path in res.paths:
        if path == "veth":
            continue
        row = [res.labels[path]]
        for ref, _ in REFERENCES[:2]:
            ref = reference(path, ref)
            for test in TESTS:
                row.append(fmt_ratio(ratio(res.value(path, test), res.value(ref, test))))
            row.append(fmt_ratio(ratio(res.median(path, "tcp1", "cpu_per_gb"),
                                       res.median(ref, "tcp1", "cpu_per_gb"))))
        rows.append(row)
    return head, rows


def detail_table(res):
    head = ["path", "test", "every run (round order)", "median", "VPN CPU cores busy",
            "VPN CPU cost", "notes"]
    rows = []
    for path in res.paths:
        vpn = path != "veth"
        for test in TESTS:
            runs = res.runs.get((path, test), [])
            udp = test in PACKET_TESTS
            key = "kpps" if udp else "gbps"
            each = " ".join(("%.1f" if udp else "%.3f") % r[key] if r["ok"] else "fail"
                            for r in runs)
            unit = " kpps" if udp else " Gbit/s"
            notes = []
            if udp:
                notes.append("loss " + fmt(res.median(path, test, "loss"), "%.1f%%"))
                notes.append("sent " + fmt(res.median(path, test, "sent_kpps"), "%.1f kpps"))
            if test == "pps64":
                notes.append("trials " + "/".join(str(r["trials"]) for r in runs if r["ok"]))
                over = sum(1 for r in runs if r["ok"] and not r["within_bound"])
                if over:
                    notes.append("%d run(s) lost over 1%% even at the lowest rate" % over)
            errors = sorted({r["error"].splitlines()[0][:120] for r in runs if not r["ok"]})
            notes += ["error: " + e for e in errors]
            if udp:
                cost = fmt(res.median(path, test, "cpu_us_per_pkt"), "%.2f µs/pkt") if vpn else "–"
            else:
                cost = fmt(res.median(path, test, "cpu_per_gb"), "%.2f s/GB") if vpn else "–"
            rows.append([res.labels[path], TEST_NAMES[test], each + unit,
                         fmt(res.value(path, test), "%.1f" if udp else "%.3f"),
                         fmt(res.median(path, test, "cores"), "%.2f") if vpn else "–",
                         cost, "; ".join(notes)])
    return head, rows


def render(head, rows):
    """A markdown table, padded so that it also reads well in a terminal."""
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def report(res):
    m = res.meta
    parts = [
        "## Tunnel throughput: ovpnd, OpenVPN 2.6, wireguard-go (same machine, same run)",
        "",
        "iperf3 %s, %s s per test, median of %s runs, run interleaved (each round runs every "
        "test on every path). Machine: %s cores (%s), Linux %s; ovpnd at %s; %s. Client and "
        "server iperf3 and both VPN ends share these cores: this compares the data paths on one "
        "box, it is not a link capacity. TCP is the receiver's throughput (b to a); UDP is "
        "64-byte datagrams sent as fast as iperf3 can (-b 0), counted as received; UDP ≤1%% "
        "loss is the highest rate of 64-byte datagrams the path carried losing at most 1%% "
        "(RFC 2544 throughput: 2-second trials from 25 kpps, doubling, then three halvings), "
        "sent with sendmmsg and counted with recvmmsg by ovpn_udp_flood so that the generator "
        "is not the limit (every datagram still its own packet). CPU is "
        "user+sys time of the VPN processes of both ends per GB received (kernel work done "
        "outside them is not counted)."
        % (m.get("iperf3", "?"), m.get("time", "?"), m.get("runs", "?"), m.get("cores", "?"),
           m.get("cpu", "?"), m.get("kernel", "?"), m.get("ovpnd", "?"), m.get("date", "?")),
        "",
        render(*main_table(res)),
        "",
        "\n".join("- **%s**: %s" % (res.labels[p], res.descriptions[p]) for p in res.paths),
        "",
        "Ratios of medians (throughput: above 1 is faster; CPU/GB: below 1 is cheaper). "
        "Paths over TCP are compared with OpenVPN over TCP in the OpenVPN columns:",
        "",
        render(*ratio_table(res)),
        "",
        "Every run:",
        "",
        render(*detail_table(res)),
    ]
    if res.failed:
        parts += ["", "Paths that did not come up:"]
        parts += ["- %s: %s" % (p, why) for p, why in res.failed]
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("cell")
    one.add_argument("base")
    table = sub.add_parser("table")
    table.add_argument("directory")
    table.add_argument("--paths", required=True)
    table.add_argument("--markdown")
    args = parser.parse_args()
    if args.command == "cell":
        print(cell(args.base))
        return 0
    res = Results(args.directory, args.paths.split(","))
    text = report(res)
    print()
    print(text, end="")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
        print("\n(markdown written to %s)" % args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
