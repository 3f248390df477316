#!/usr/bin/env python3
"""Differential testing of fedns against NSD: the same zone, the same queries, every reply compared.

The inventory is bench/dns/zonedata.py's synthetic fleet plus names made for edge cases (crowds whose answers
straddle the 512- and 1232-octet limits, an untagged instance, a stopped one, tags that need rewriting, a 63-octet
label). fedns serves it from a snapshot file (`[discovery] source = "file"`), with `[dns] reverse_zones` set to
the reverse zones NSD gets; NSD loads the zone files zonedata.py writes for the same inventory, with fedns's own
SOA values. Both run on loopback ports (bench/dns/dnsservers.py).

Every probe (queries.py: generated, near the truncation limit, malformed, mutated) goes to both servers; the
replies are compared field by field (wire.py: whether there is a reply, the header bits, rcode, the question as
sent, every section as records with owner case, TTL and data, order aside, and the OPT record: version, flags,
payload, options). A probe is identical, documented (every differing field covered by a rule of deviations.py
whose condition holds) or undocumented. Undocumented differences are listed with examples. The last line is

    sent=N identical=N documented=N undocumented=N

and the exit status is 1 when undocumented > 0 (2 when the servers could not be set up).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import selectors
import socket
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "dns"))
sys.path.insert(0, str(HERE.parent))
import deviations  # noqa: E402
import dnsservers  # noqa: E402
import zonedata  # noqa: E402
from queries import Generator, Probe  # noqa: E402
from wire import Features, Reply, differing, features  # noqa: E402

ORIGIN_WIRE = b"\x03ec2\x00"
WINDOW = 200          # UDP probes in flight at once, each on its own socket
QUIET = 0.25          # seconds without a reply that end a window
TCP_TIMEOUT = 1.0


# ------------------------------------------------------------------------------------------------- the fleet

def edge_instances() -> list[zonedata.Instance]:
    """Instances for the edges the synthetic fleet does not reach."""
    made: list[zonedata.Instance] = []
    serial = iter(range(1, 1 << 20))

    def add(name: str | None, *, ipv6: int = 0, public: bool = False, state: str = "running",
            region: str = "eu-west-1") -> None:
        index = next(serial)
        subnet, host = divmod(index, 250)
        made.append(zonedata.Instance(
            id=f"i-0d1ff{index:012x}", name=name, region=region, az=region + "a", type="t3.micro",
            launched=f"2026-05-{1 + index % 28:02d}T10:{index % 60:02d}:00Z", private_ipv4=f"10.200.{subnet}.{4 + host}",
            public_ipv4=f"52.95.{subnet}.{4 + host}" if public else None,
            ipv6=[f"2a05:d018:0:ff{subnet:02x}::{host + 1:x}:{n + 1:x}" for n in range(ipv6)],
            tags={"Name": name} if name is not None else {}, state=state))

    # A records are 16 octets each: ~29 fit in 512 octets, ~74 in 1232. AAAA: 28 octets, ~17 and ~42.
    for size in [*range(26, 34), *range(70, 78)]:
        for _ in range(size):
            add(f"crowd-{size}")
    for size in [*range(15, 20), *range(40, 46)]:
        for _ in range(size):
            add(f"v6crowd-{size}", ipv6=1)
    for _ in range(5):
        add("multi-v6", ipv6=3, public=True)
    add(None)                                   # untagged: its id only
    add("stopped-box", state="stopped")          # not served
    add("Build Box (old)")                       # rewritten to build-box--old-
    add("Caf\u00e9-Node")                        # one hyphen per non-ASCII scalar
    add("MixedCase-Web")
    add("x" * 70)                                # cut to 63 octets
    add("region-twin", region="us-east-1")
    add("region-twin", region="eu-west-1")
    return made


def fleet(size: int) -> list[zonedata.Instance]:
    return zonedata.inventory(size) + edge_instances()


# ------------------------------------------------------------------------------------------------- sending

def udp_window(port: int, probes: list[Probe]) -> list[bytes | None]:
    """Sends each probe from a socket of its own (so a reply belongs to its probe whatever its ID), collects
    replies until the window is complete or quiet for QUIET seconds."""
    selector = selectors.DefaultSelector()
    replies: list[bytes | None] = [None] * len(probes)
    sockets = []
    try:
        for index, probe in enumerate(probes):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.connect(("127.0.0.1", port))
            sockets.append(sock)
            try:
                sock.send(probe.wire)
            except OSError:
                continue
            selector.register(sock, selectors.EVENT_READ, index)
        pending = len(selector.get_map())
        deadline = time.monotonic() + 5
        while pending and time.monotonic() < deadline:
            events = selector.select(timeout=QUIET)
            if not events:
                break
            for key, _ in events:
                try:
                    data = key.fileobj.recv(65535)
                except OSError:
                    data = None
                # A late reply to an earlier window's probe can reach a socket that got its port again: it has
                # another probe's ID (every probe has its own, see `numbered`), so it is not this probe's reply.
                if data is not None and len(probes[key.data].wire) >= 2 and data[:2] != probes[key.data].wire[:2]:
                    continue
                replies[key.data] = data
                selector.unregister(key.fileobj)
                pending -= 1
    finally:
        for sock in sockets:
            sock.close()
        selector.close()
    return replies


def numbered(probes: list[Probe]) -> list[Probe]:
    """Each probe with an ID of its own (the same for both servers), so a reply is known to be its probe's."""
    return [Probe(struct.pack("!H", (index + 1) & 0xFFFF) + probe.wire[2:], probe.tcp, probe.kind)
            if len(probe.wire) >= 2 else probe for index, probe in enumerate(probes)]


def ask_all(port: int, probes: list[Probe]) -> list[bytes | None]:
    """Every probe's reply from one server."""
    replies: list[bytes | None] = [None] * len(probes)
    udp = [index for index, probe in enumerate(probes) if not probe.tcp]
    tcp = [index for index, probe in enumerate(probes) if probe.tcp]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = {pool.submit(dnsservers.exchange, port, probes[index].wire, TCP_TIMEOUT, True): index
                   for index in tcp}
        for start in range(0, len(udp), WINDOW):
            chunk = udp[start:start + WINDOW]
            for index, reply in zip(chunk, udp_window(port, [probes[i] for i in chunk])):
                replies[index] = reply
        for future, index in futures.items():
            replies[index] = future.result()
    return replies


def ask_again(port: int, probe: Probe) -> bytes | None:
    """A second chance for a probe one server answered and the other did not (a reply lost under load)."""
    for _ in range(3):
        reply = dnsservers.exchange(port, probe.wire, 3.0 if probe.tcp else 1.5, probe.tcp)
        if reply is not None:
            return reply
    return None


# ------------------------------------------------------------------------------------------------- servers

def start_servers(binary: str, workdir: Path, size: int) -> tuple[dnsservers.PinnedServer, dnsservers.PinnedServer, list, zonedata.Zone]:
    instances = fleet(size)
    zone = zonedata.Zone(instances)
    reverse = sorted(zone.reverse_zones())
    inventory = workdir / "inventory.json"
    zonedata.write_inventory(inventory, instances)
    probe = f"{zonedata.label(instances[0].name)}.{zonedata.ORIGIN}."
    zones_toml = ", ".join(f'"{apex.rstrip(".")}"' for apex in reverse)
    command, port = dnsservers.fedns_command(binary, workdir, inventory, dns_extra=f"reverse_zones = [{zones_toml}]\n")
    fedns = dnsservers.start("fedns", command, port, workdir, probe)
    soa = Reply.parse(dnsservers.exchange(fedns.port, soa_query(), 2.0)).values.get("answer") or ()
    if len(soa) != 1:
        raise SystemExit(f"fedns did not answer the SOA query: {soa}")
    serial, refresh, retry, expire, minimum = soa[0].rdata.split()[2:]
    zonedir = workdir / "zones"
    zonedir.mkdir(exist_ok=True)
    files = zone.write(zonedir, soa=f"{serial} {refresh} {retry} {expire} {minimum}")
    # No identity for CHAOS queries (fedns has none to give) and no version (neither says it).
    command, port = dnsservers.nsd_command(workdir, files, server_extra="    hide-identity: yes\n")
    nsd = dnsservers.start("nsd", command, port, workdir, probe)
    return fedns, nsd, reverse, zone


def soa_query() -> bytes:
    return struct.pack("!HHHHHH", 0x5050, 0, 1, 0, 0, 0) + ORIGIN_WIRE + struct.pack("!HH", 6, 1)


def generator(zone: zonedata.Zone, reverse: list[str], seed: int) -> Generator:
    owners = sorted(zone.forward)
    ptr_owners = sorted(__import__("ipaddress").ip_address(address).reverse_pointer + "." for address in zone.ptr)
    ents = sorted({owner.split(".", 1)[1] for owner in owners if owner.count(".") > 2} - set(owners))
    ents += [apex for apex in reverse] + ["10.in-addr.arpa." if "10.in-addr.arpa." not in reverse else "0.10.in-addr.arpa."]
    crowds = sorted(owner for owner in owners if owner.startswith(("crowd-", "v6crowd-", "multi-v6")))
    return Generator(seed, owners, ptr_owners, ents, crowds, zonedata.ORIGIN, reverse)


# ------------------------------------------------------------------------------------------------- comparing

def classify(probes: list[Probe], fedns_replies: list, nsd_replies: list) -> dict:
    counts = collections.Counter()
    rule_hits = collections.Counter()
    undocumented: dict[tuple, list] = collections.defaultdict(list)
    # Each rule's example (deviations.EXAMPLES) must be explained by that rule; otherwise the rule is stale.
    stale = set(deviations.EXAMPLES)
    for probe, fedns_raw, nsd_raw in zip(probes, fedns_replies, nsd_replies):
        counts["sent"] += 1
        query = features(probe.wire, probe.tcp)
        fedns, nsd = Reply.parse(fedns_raw).values, Reply.parse(nsd_raw).values
        differences = differing(fedns, nsd)
        if not differences:
            counts["identical"] += 1
            continue
        rules = deviations.explained(query, fedns, nsd, differences)
        if rules is not None:
            counts["documented"] += 1
            rule_hits.update(rule.id for rule in rules)
            example_of = probe.kind.removeprefix("example/")
            if example_of in {rule.id for rule in rules}:
                stale.discard(example_of)
            continue
        counts["undocumented"] += 1
        key = (tuple(differences), probe.kind.split("/")[0])
        undocumented[key].append((probe, query, fedns, nsd))
    return {"counts": counts, "rules": rule_hits, "undocumented": undocumented, "stale": sorted(stale)}


def describe(probe: Probe, fedns: dict, nsd: dict, differences) -> str:
    lines = [f"    {probe.kind} {'TCP' if probe.tcp else 'UDP'} query {probe.wire.hex()}"]
    for field in differences:
        lines.append(f"      {field}: fedns={_short(fedns.get(field))} nsd={_short(nsd.get(field))}")
    return "\n".join(lines)


def _short(value) -> str:
    if isinstance(value, tuple) and value and not isinstance(value[0], int):
        return "[" + "; ".join(map(str, value)) + "]"
    text = repr(value)
    return text if len(text) < 400 else text[:400] + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fedns", required=True, help="the fedns binary (release)")
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--instances", type=int, default=300, help="size of zonedata.py's synthetic fleet")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per kind of difference")
    parser.add_argument("--report", help="write the counts, rule hits and undocumented examples here (JSON)")
    parser.add_argument("--workdir", help="keep the servers' files here (default: a temporary directory)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dnsdiff-") as temporary:
        workdir = Path(args.workdir or temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        fedns = nsd = None
        try:
            fedns, nsd, reverse, zone = start_servers(args.fedns, workdir, args.instances)
            examples = list(deviations.EXAMPLES.values())
            probes = numbered(examples + generator(zone, reverse, args.seed).probes(max(0, args.queries - len(examples))))
            started = time.monotonic()
            results: dict[str, list] = {}
            threads = [threading.Thread(target=lambda s=server, k=key: results.__setitem__(k, ask_all(s.port, probes)))
                       for key, server in (("fedns", fedns), ("nsd", nsd))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            retried = 0
            for index, probe in enumerate(probes):
                if (results["fedns"][index] is None) != (results["nsd"][index] is None):
                    retried += 1
                    for key, server in (("fedns", fedns), ("nsd", nsd)):
                        if results[key][index] is None:
                            results[key][index] = ask_again(server.port, probe)
            elapsed = time.monotonic() - started
            for server in (fedns, nsd):
                if server.process.poll() is not None:
                    print(f"{server.label} exited during the run (code {server.process.returncode})")
                    return 2
        finally:
            for server in (fedns, nsd):
                if server is not None:
                    server.stop()

    outcome = classify(probes, results["fedns"], results["nsd"])
    counts, hits = outcome["counts"], outcome["rules"]
    print(f"{len(probes)} probes in {elapsed:.1f} s ({retried} asked again after only one server answered)")
    print("documented deviations matched:")
    for rule in deviations.DEVIATIONS:
        print(f"  {hits[rule.id]:7d}  {rule.id}")
    if outcome["undocumented"]:
        print("undocumented differences (fields that differ, kind of probe: count):")
        for (fields, kind), cases in sorted(outcome["undocumented"].items(), key=lambda item: -len(item[1])):
            print(f"  {', '.join(fields)} [{kind}]: {len(cases)}")
            for probe, _, fedns_values, nsd_values in cases[:args.examples]:
                print(describe(probe, fedns_values, nsd_values, fields))
    if outcome["stale"]:
        print("stale rules (their example no longer shows the difference): " + ", ".join(outcome["stale"]))
    if args.report:
        Path(args.report).write_text(json.dumps({
            "counts": dict(counts), "rules": {rule.id: hits[rule.id] for rule in deviations.DEVIATIONS},
            "stale": outcome["stale"],
            "undocumented": [{"fields": list(fields), "kind": kind, "count": len(cases),
                              "examples": [probe.wire.hex() for probe, *_ in cases[:args.examples]]}
                             for (fields, kind), cases in outcome["undocumented"].items()]}, indent=1))
    print(f"sent={counts['sent']} identical={counts['identical']} documented={counts['documented']} "
          f"undocumented={counts['undocumented']}")
    return 1 if counts["undocumented"] else 0


if __name__ == "__main__":
    sys.exit(main())
