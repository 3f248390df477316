"""The data every DNS benchmark serves: a synthetic EC2 inventory, the zone fedns compiles from it written out as
RFC 1035 zone files for the reference servers (NSD, Knot, gdnsd), and the query mix, as wire messages.

The inventory is deterministic for a given size (seeded), and looks like a real fleet: `Name` tags of 20 to 40
characters built from environment, service and index, six other tags per instance, a few tags that need rewriting
to become labels (capitals, underscores), 30 % with a public IPv4 (which `[dns] address = "auto"` serves as the A
record), 20 % with an IPv6 address, and 5 % sharing their name with another instance.

The zone is what `Sources/EC2Zone` serves for that inventory (CompiledZone, ZoneLookup), record for record:
- `NAME.ec2`, `INSTANCE-ID.ec2`, `NAME.REGION.ec2` and `N.NAME.ec2` (the Nth instance called NAME in launch
  order, then instance id) with A (the public IPv4, else the primary private one), AAAA (every IPv6 address) and TXT
  (`instance-id=`, `region=`, `az=`, `type=`, `state=`, `launched=`, `name=`); a name shared by several instances
  carries the records of all of them; only running instances are served, untagged ones by their id alone;
- PTR for every private and public IPv4 and every IPv6 address, pointing at `NAME.ec2` (the instance id when
  untagged);
- the apex SOA and NS `ns.ec2.`, with `ns.ec2.` A 127.0.0.1 (fedns: `nameserver_addresses`).

Zone cuts differ on purpose: fedns makes itself authoritative for the /24 and /64 of every address; the reference
servers get the fewest zones that give the same positive answers (one per IPv4 /8 and IPv6 /48 in use), so their
memory is not inflated by thousands of small zones. The query mix asks only reverse names that exist, whose answers
are the same either way. (bench/dnsdiff gives fedns the same cuts with `[dns] reverse_zones`, to compare every answer.)

Not modelled: `[dns] groups` and the precedence between name forms (`EC2Zone/Naming`); the fleets here never make
two forms collide.
"""

from __future__ import annotations

import ipaddress
import json
import random
import struct
from dataclasses import dataclass, field
from pathlib import Path

ORIGIN = "ec2"
TTL = 60
NEGATIVE_TTL = 30
NAMESERVER_ADDRESS = "127.0.0.1"

REGIONS = [("eu-west-1", "abc"), ("us-east-1", "abcdef"), ("us-west-2", "abcd"), ("ap-southeast-2", "abc")]
ENVIRONMENTS = ["prod"] * 5 + ["staging"] * 2 + ["dev", "qa", "perf"]
SERVICES = [
    "payments-api", "search-indexer", "checkout-web", "auth-service", "billing-worker", "ledger-db", "kafka-broker",
    "redis-cache", "ml-feature-store", "log-shipper", "grafana", "jenkins-agent", "inventory-sync", "email-sender",
    "image-resizer", "graphql-gateway", "recommendation-engine", "fraud-scoring", "etl-batch", "vpn-gateway",
]
TEAMS = ["platform", "payments", "search", "data", "growth", "security", "infra", "ml"]
TYPES = ["t3.micro", "t3.medium", "m5.large", "m6i.xlarge", "c6g.2xlarge", "r5.4xlarge", "t4g.small"]


@dataclass
class Instance:
    id: str
    name: str | None
    region: str
    az: str
    type: str
    launched: str
    private_ipv4: str
    public_ipv4: str | None
    ipv6: list[str]
    tags: dict[str, str] = field(default_factory=dict)
    state: str = "running"

    def snapshot_json(self) -> dict:
        """The instance in fedns's snapshot format (Sources/Inventory/Instance.swift)."""
        entry = {"id": self.id, "state": self.state, "region": self.region, "az": self.az,
                 "type": self.type, "private_ipv4": [self.private_ipv4], "ipv6": self.ipv6, "tags": self.tags,
                 "launched": self.launched}
        if self.name is not None:
            entry["name"] = self.name
        if self.public_ipv4:
            entry["public_ipv4"] = self.public_ipv4
        return entry


def label(tag: str) -> str:
    """InstanceNaming.label(forNameTag:): lower-cased, every character outside a-z0-9- replaced by '-', 63 at most."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "-") else "-" for c in tag.lower())[:63]


def inventory(count: int, seed: int = 14) -> list[Instance]:
    rng = random.Random(seed * 1_000_003 + count)
    instances: list[Instance] = []
    public_index = 0
    for index in range(count):
        region, zones = REGIONS[index % len(REGIONS)] if rng.random() < 0.3 else REGIONS[0]
        az = region + rng.choice(zones)
        environment, service = rng.choice(ENVIRONMENTS), rng.choice(SERVICES)
        if instances and rng.random() < 0.05:
            name = instances[-1].name  # a shared name: two instances behind one name
        elif rng.random() < 0.03:
            name = f"{environment.upper()}_{service.replace('-', '_')}_{index}"  # needs rewriting to a label
        else:
            name = f"{environment}-{service}-{index:05d}"
        subnet, host = divmod(index, 250)
        private = f"10.{subnet >> 8}.{subnet & 255}.{4 + host}"
        public = None
        if rng.random() < 0.3:
            public_subnet, public_host = divmod(public_index, 254)
            public = f"3.{248 + (public_subnet >> 8)}.{public_subnet & 255}.{1 + public_host}"
            public_index += 1
        ipv6 = [f"2a05:d018:0:{index // 1000:x}::{index % 1000 + 1:x}"] if rng.random() < 0.2 else []
        day = rng.randrange(1, 28)
        month, hour, minute, second = rng.randrange(1, 12), rng.randrange(24), rng.randrange(60), rng.randrange(60)
        launched = f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
        team = rng.choice(TEAMS)
        instances.append(Instance(
            id=f"i-{rng.getrandbits(68) & ((1 << 68) - 1):017x}", name=name, region=region, az=az,
            type=rng.choice(TYPES), launched=launched, private_ipv4=private, public_ipv4=public, ipv6=ipv6,
            tags={"Name": name, "Environment": environment, "Team": team, "Service": service,
                  "Owner": f"{team}-oncall@example.com", "CostCenter": f"cc-{rng.randrange(1000, 9999)}",
                  "aws:autoscaling:groupName": f"{environment}-{service}-asg"}))
    return instances


def write_inventory(path: Path, instances: list[Instance]) -> None:
    path.write_text(json.dumps({"format": 1, "instances": [i.snapshot_json() for i in instances]}))


# ------------------------------------------------------------------------------------------------------- the zone

@dataclass
class Node:
    """One owner name's records: what fedns answers for it."""
    a: list[str] = field(default_factory=list)
    aaaa: list[str] = field(default_factory=list)
    txt: list[list[str]] = field(default_factory=list)


def txt_strings(instance: Instance) -> list[str]:
    """CompiledZone.forEachTXTField: key=value character-strings (`name=` when tagged), each cut to 255 octets."""
    fields = [("instance-id", instance.id), ("region", instance.region), ("az", instance.az),
              ("type", instance.type), ("state", instance.state), ("launched", instance.launched)]
    if instance.name:
        fields.append(("name", label(instance.name)))
    return [f"{key}={value}"[:255] for key, value in fields]


class Zone:
    """The forward and reverse data fedns serves for an inventory."""

    def __init__(self, instances: list[Instance]):
        self.forward: dict[str, Node] = {}
        self.ptr: dict[str, list[str]] = {}  # address text -> PTR targets
        # Member order (NameIndex.servable): launch time, then instance id; it numbers N.NAME.
        served = sorted((i for i in instances if i.state == "running"), key=lambda i: (i.launched, i.id))
        members: dict[str, int] = {}
        for instance in served:
            id_owner = f"{instance.id.lower()}.{ORIGIN}."
            owners = [id_owner]
            canonical = id_owner
            if instance.name:
                name_label = label(instance.name)
                canonical = f"{name_label}.{ORIGIN}."
                members[name_label] = members.get(name_label, 0) + 1
                owners += [canonical, f"{name_label}.{label(instance.region)}.{ORIGIN}.",
                           f"{members[name_label]}.{name_label}.{ORIGIN}."]
            for owner in owners:
                node = self.forward.setdefault(owner, Node())
                node.a.append(instance.public_ipv4 or instance.private_ipv4)
                node.aaaa += instance.ipv6
                node.txt.append(txt_strings(instance))
            for address in {instance.private_ipv4, instance.public_ipv4, *instance.ipv6} - {None}:
                self.ptr.setdefault(address, []).append(canonical)

    def reverse_zones(self) -> dict[str, list[tuple[str, str]]]:
        """Reverse zone apex -> (owner, target) PTRs: one zone per IPv4 /8 and IPv6 /48 in use."""
        zones: dict[str, list[tuple[str, str]]] = {}
        for address, targets in self.ptr.items():
            owner = ipaddress.ip_address(address).reverse_pointer + "."
            labels = owner.split(".")
            apex = ".".join(labels[3:]) if ":" not in address else ".".join(labels[20:])
            for target in targets:
                zones.setdefault(apex, []).append((owner, target))
        return zones

    def write(self, directory: Path, soa: str = f"1 3600 600 86400 {NEGATIVE_TTL}") -> dict[str, Path]:
        """Writes one zone file per zone; returns apex (without the final dot) -> file. `soa`: the SOA's serial,
        refresh, retry, expire and minimum (bench/dnsdiff passes fedns's own, to compare SOA records)."""
        files = {}
        soa = f"@ {TTL} IN SOA ns.{ORIGIN}. hostmaster.{ORIGIN}. {soa}"
        head = [f"$TTL {TTL}", soa, f"@ {TTL} IN NS ns.{ORIGIN}."]
        path = directory / ORIGIN
        with path.open("w") as out:
            out.write("\n".join([f"$ORIGIN {ORIGIN}.", *head, f"ns.{ORIGIN}. IN A {NAMESERVER_ADDRESS}", ""]))
            for owner, node in self.forward.items():
                for address in node.a:
                    out.write(f"{owner} IN A {address}\n")
                for address in node.aaaa:
                    out.write(f"{owner} IN AAAA {address}\n")
                for strings in node.txt:
                    out.write(f"{owner} IN TXT " + " ".join(f'"{s}"' for s in strings) + "\n")
        files[ORIGIN] = path
        for apex, records in self.reverse_zones().items():
            zone = apex.rstrip(".")
            path = directory / zone
            with path.open("w") as out:
                out.write("\n".join([f"$ORIGIN {apex}", *head, ""]))
                for owner, target in records:
                    out.write(f"{owner} IN PTR {target}\n")
            files[zone] = path
        return files


# ---------------------------------------------------------------------------------------------------- queries

A, AAAA, PTR, TXT = 1, 28, 12, 16
NOERROR, NXDOMAIN = 0, 3

# (class, weight): what the query mix is made of, per 100 queries.
MIX = [("A by name", 40), ("A by name.region", 5), ("A by instance id", 5), ("AAAA", 5), ("AAAA NODATA", 10),
       ("NXDOMAIN", 15), ("PTR", 10), ("TXT", 10)]


@dataclass
class Query:
    kind: str
    name: str
    qtype: int
    rcode: int
    edns: bool

    def wire(self) -> bytes:
        """The query with ID 0 (the generator patches it), RD clear as a resolver sends it to an authority, and
        an OPT record advertising 1232 bytes when `edns`."""
        question = b"".join(bytes([len(part)]) + part.encode() for part in self.name.rstrip(".").split(".")) + b"\0"
        header = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 1 if self.edns else 0)
        opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0) if self.edns else b""
        return header + question + struct.pack("!HH", self.qtype, 1) + opt


def query_mix(instances: list[Instance], zone: Zone, count: int, seed: int = 14) -> list[Query]:
    """`count` queries in the proportions of MIX, shuffled, half of each class with EDNS."""
    rng = random.Random(seed)
    with_v6 = [i for i in instances if zone.forward[f"{label(i.name)}.{ORIGIN}."].aaaa]
    without_v6 = [i for i in instances if not zone.forward[f"{label(i.name)}.{ORIGIN}."].aaaa]
    def regional(instance: Instance) -> tuple[str, int, int]:
        return f"{label(instance.name)}.{label(instance.region)}.{ORIGIN}.", A, NOERROR

    makers = {
        "A by name": lambda: (f"{label(rng.choice(instances).name)}.{ORIGIN}.", A, NOERROR),
        "A by name.region": lambda: regional(rng.choice(instances)),
        "A by instance id": lambda: (f"{rng.choice(instances).id}.{ORIGIN}.", A, NOERROR),
        "AAAA": lambda: (f"{label(rng.choice(with_v6 or instances).name)}.{ORIGIN}.", AAAA, NOERROR),
        "AAAA NODATA": lambda: (f"{label(rng.choice(without_v6 or instances).name)}.{ORIGIN}.", AAAA, NOERROR),
        "NXDOMAIN": lambda: (f"nohost-{rng.getrandbits(40):010x}.{ORIGIN}.", A, NXDOMAIN),
        "PTR": lambda: (ipaddress.ip_address(rng.choice(list_addresses)).reverse_pointer + ".", PTR, NOERROR),
        "TXT": lambda: (f"{label(rng.choice(instances).name)}.{ORIGIN}.", TXT, NOERROR),
    }
    list_addresses = list(zone.ptr)
    total = sum(weight for _, weight in MIX)
    queries = []
    for kind, weight in MIX:
        for index in range(max(2, count * weight // total)):
            name, qtype, rcode = makers[kind]()
            queries.append(Query(kind, name, qtype, rcode, edns=index % 2 == 0))
    rng.shuffle(queries)
    return queries


def write_queries(path: Path, queries: list[Query]) -> None:
    """The generator's query file: u16 length, u8 expected rcode, the wire query (bench/dns/dnsload.c)."""
    with path.open("wb") as out:
        for query in queries:
            wire = query.wire()
            out.write(struct.pack("!HB", len(wire), query.rcode) + wire)
