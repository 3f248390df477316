"""The queries the differential run sends: generated from the zone (every type, class, flag and EDNS combination,
odd names, truncation boundaries, malformed packets) and mutated (bytes of generated queries flipped, cut,
repeated). Deterministic for a seed, so a difference found once can be asked again."""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

# Record types: the zone's own, common ones it does not hold, DNSSEC, meta and query-only types, unknown ones.
ZONE_TYPES = [1, 28, 16, 12, 6, 2, 255]  # A AAAA TXT PTR SOA NS ANY
OTHER_TYPES = [5, 15, 33, 44, 13, 99, 257, 64, 65, 43, 48, 46, 47, 50, 39, 35, 29, 11, 3, 4, 7, 8, 9, 10, 14]
META_TYPES = [252, 251, 253, 254, 250, 249, 41, 0, 128]  # AXFR IXFR MAILB MAILA TSIG TKEY OPT, 0, first meta
UNKNOWN_TYPES = [65280, 65535, 1234, 260, 32768, 32769, 65534]

# Classes: IN, CHAOS, HESIOD, NONE, ANY, unknown.
CLASSES = [1] * 30 + [3, 4, 254, 255, 2, 42, 65280, 0]

# EDNS payload sizes: below the classic limit, at it, the usual ones, odd ones and the largest.
PAYLOADS = [0, 1, 100, 511, 512, 513, 600, 1000, 1220, 1231, 1232, 1233, 1400, 1452, 4096, 8192, 65535]

# EDNS options (code, data) a query may carry.
ECS_V4 = struct.pack("!HBB", 1, 24, 0) + bytes([192, 0, 2])
ECS_V6 = struct.pack("!HBB", 2, 56, 0) + bytes.fromhex("20010db8000000")
OPTIONS = [
    (65001, b""), (65001, b"\x01\x02\x03"), (65535, b"x" * 7), (8, ECS_V4), (8, ECS_V6),
    (8, b"\x00\x01"),            # ECS too short for its family
    (12, b"\x00" * 16),          # padding
    (11, b""),                   # TCP keepalive, as a client sends it
    (3, b""),                    # NSID request
    (15, b"\x00\x00"),           # an EDE option in a query (meaningless there)
    (14, b"\x00\x00"),           # CHAIN, empty
    (10, bytes.fromhex("0123456789abcdef")),                         # a client cookie
    (10, bytes.fromhex("0123456789abcdef") + b"\x01\0\0\0" + bytes(12)),  # with a server cookie not ours
    (10, b"\x01" * 5),            # malformed: too short
]


@dataclass
class Probe:
    """One query as sent: its bytes, its transport, and how it was made (for the report)."""
    wire: bytes
    tcp: bool
    kind: str


def encode_name(labels: list[bytes]) -> bytes:
    return b"".join(bytes([len(label)]) + label for label in labels) + b"\0"


def labels_of(name: str) -> list[bytes]:
    return [label.encode() for label in name.rstrip(".").split(".") if label]


def build(name: str, qtype: int = 1, qclass: int = 1, *, flags: int = 0, version: int | None = None,
          payload: int = 1232, do: bool = False, options: bytes = b"", counts: tuple[int, int, int, int] | None = None,
          tail: bytes = b"") -> bytes:
    """One query: `version` None means no OPT; `counts` overrides the header's counts; `tail` follows the OPT."""
    opt = b"" if version is None else b"\0" + struct.pack(
        "!HHIH", 41, payload, version << 16 | (0x8000 if do else 0), len(options)) + options
    qd, an, ns, ar = counts or (1, 0, 0, 1 if opt else 0)
    return struct.pack("!HHHHHH", 0, flags, qd, an, ns, ar) + encode_name(labels_of(name)) + \
        struct.pack("!HH", qtype, qclass) + opt + tail


def case_mix(rng: random.Random, labels: list[bytes]) -> list[bytes]:
    """Randomly upper-cased letters (0x20 randomisation, as resolvers send it)."""
    return [bytes(b ^ 0x20 if 97 <= (b | 0x20) <= 122 and rng.random() < 0.5 else b for b in label)
            for label in labels]


class Generator:
    """Makes probes from the zone's names (owners: existing names; crowds: name -> record count)."""

    def __init__(self, seed: int, owners: list[str], ptr_owners: list[str], ents: list[str], crowds: list[str],
                 origin: str, reverse_apexes: list[str]):
        self.rng = random.Random(seed)
        self.owners, self.ptr_owners, self.ents, self.crowds = owners, ptr_owners, ents, crowds
        self.origin, self.reverse_apexes = origin, reverse_apexes

    # Names --------------------------------------------------------------------------------------------------

    def name(self) -> tuple[list[bytes], str]:
        """Labels of a query name, and what kind of name it is."""
        rng = self.rng
        roll = rng.random()
        origin = labels_of(self.origin)
        if roll < 0.30:
            kind, labels = "owner", labels_of(rng.choice(self.owners))
        elif roll < 0.38:
            kind, labels = "ptr", labels_of(rng.choice(self.ptr_owners))
        elif roll < 0.46:
            kind, labels = "crowd", labels_of(rng.choice(self.crowds))
        elif roll < 0.50:
            kind, labels = "apex", list(origin)
        elif roll < 0.53:
            kind, labels = "ns", [b"ns", *origin]
        elif roll < 0.57:
            kind, labels = "ent", labels_of(rng.choice(self.ents))
        elif roll < 0.63:
            kind, labels = "nxdomain", [f"nohost-{rng.getrandbits(32):08x}".encode(), *origin]
        elif roll < 0.67:
            kind, labels = "below-host", [rng.choice([b"x", b"www", b"_ssh", b"a.b"]).split(b".")[0],
                                          *labels_of(rng.choice(self.owners))]
        elif roll < 0.70:
            kind, labels = "wildcard", [b"*", *rng.choice([origin, labels_of(rng.choice(self.owners))])]
        elif roll < 0.76:
            kind = "outside"
            labels = labels_of(rng.choice([
                "example.com", "com", "", "arpa", "in-addr.arpa", "ip6.arpa", "ec2.com", "xec2", "ec", "2",
                "8.8.8.8.in-addr.arpa", "1.1.1.1.in-addr.arpa", "255.255.255.255.in-addr.arpa", "local",
                "version.bind", "id.server", "hostname.bind", "0.0.127.in-addr.arpa", "b.d.0.1.0.0.2.ip6.arpa"]))
        elif roll < 0.79:
            kind = "reverse-miss"
            apex = labels_of(rng.choice(self.reverse_apexes))
            depth = rng.randrange(1, 4)
            labels = [str(rng.randrange(256)).encode() for _ in range(depth)] + apex
            if b"ip6" in apex:
                labels = [f"{rng.randrange(16):x}".encode() for _ in range(rng.randrange(1, 21))] + apex
        elif roll < 0.83:
            kind, labels = "long", self.long_name(origin)
        elif roll < 0.88:
            kind = "escaped"
            odd = rng.choice([b"\x00", b".", b" ", b"\xff", b"\\", b"\x7f", b"A.b", b"\xc3\xa9", b"-", b"_"])
            base = labels_of(rng.choice(self.owners))
            position = rng.randrange(len(base[0]) + 1)
            labels = [base[0][:position] + odd + base[0][position:], *base[1:]]
        elif roll < 0.92:
            size = rng.choice([62, 63])
            kind, labels = "label63", [bytes(rng.choice(b"abcxyz09-") for _ in range(size)), *origin]
        else:
            kind = "apex-near"
            labels = rng.choice([[b"ns2", *origin], [b"NS", *origin], [b"ec2", *origin], [b"1", *origin],
                                 [b"1", b"ns", *origin], [b"0", *labels_of(rng.choice(self.crowds))],
                                 [b"999", *labels_of(rng.choice(self.crowds))]])
        if rng.random() < 0.5:
            labels = case_mix(rng, labels)
        return labels, kind

    def long_name(self, origin: list[bytes]) -> list[bytes]:
        """A name of 250 to 255 octets in wire form, ending in the zone (so it is in zone, and absent)."""
        target = self.rng.randrange(250, 256)
        labels = list(origin)
        length = len(encode_name(labels))
        while length < target:
            room = target - length - 1
            size = min(63, room)
            if size <= 0:
                break
            labels.insert(0, bytes(self.rng.choice(b"abcdefghij") for _ in range(size)))
            length += size + 1
        return labels

    # Questions and messages --------------------------------------------------------------------------------

    def qtype(self, kind: str) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            if kind == "ptr":
                return rng.choice([12, 12, 12, 255, 1, 6])
            return rng.choice(ZONE_TYPES)
        if roll < 0.75:
            return rng.choice(OTHER_TYPES)
        if roll < 0.90:
            return rng.choice(META_TYPES)
        return rng.choice(UNKNOWN_TYPES)

    def edns(self) -> bytes | None:
        """An OPT record, or None (no EDNS)."""
        rng = self.rng
        if rng.random() < 0.4:
            return None
        version = rng.choice([0] * 12 + [1, 2, 255])
        payload = rng.choice(PAYLOADS)
        flags = 0x8000 if rng.random() < 0.4 else 0
        if rng.random() < 0.05:
            flags |= rng.choice([0x0001, 0x4000, 0x7FFF])  # undefined EDNS flag bits (Z)
        extended_rcode = 0 if rng.random() < 0.95 else rng.randrange(1, 256)
        options = b""
        if rng.random() < 0.35:
            for code, data in rng.sample(OPTIONS, rng.choice([1, 1, 1, 2, 3])):
                options += struct.pack("!HH", code, len(data)) + data
        ttl = extended_rcode << 24 | version << 16 | flags
        return b"\0" + struct.pack("!HHIH", 41, payload, ttl, len(options)) + options

    def flags(self) -> int:
        """Header flags of a query: RD, CD, AD, Z, TC, opcode and QR mostly as a client sends them."""
        rng = self.rng
        flags = 0
        if rng.random() < 0.5:
            flags |= 0x0100  # RD
        if rng.random() < 0.15:
            flags |= 0x0010  # CD
        if rng.random() < 0.15:
            flags |= 0x0020  # AD
        if rng.random() < 0.05:
            flags |= 0x0040  # Z
        if rng.random() < 0.05:
            flags |= 0x0200  # TC
        if rng.random() < 0.03:
            flags |= 0x0400  # AA
        if rng.random() < 0.03:
            flags |= 0x0080  # RA
        if rng.random() < 0.06:
            flags |= rng.randrange(1, 16) << 11  # opcodes other than QUERY
        if rng.random() < 0.02:
            flags |= 0x8000  # QR: a response sent as a query
        if rng.random() < 0.02:
            flags |= rng.randrange(1, 16)  # an rcode in a query
        return flags

    def query(self) -> Probe:
        rng = self.rng
        labels, kind = self.name()
        qtype = self.qtype(kind)
        qclass = rng.choice(CLASSES)
        opt = self.edns()
        identifier = 0  # set when sent
        question = encode_name(labels) + struct.pack("!HH", qtype, qclass)
        header = struct.pack("!HHHHHH", identifier, self.flags(), 1, 0, 0, 1 if opt else 0)
        tcp = rng.random() < 0.1
        return Probe(header + question + (opt or b""), tcp, f"{kind}/{qtype}/{qclass}")

    def boundary_query(self) -> Probe:
        """A crowd name (many records) with a payload size close to its answer's size, so replies fall on both
        sides of the truncation limit."""
        rng = self.rng
        labels = labels_of(rng.choice(self.crowds))
        qtype = rng.choice([1, 1, 28, 16, 255])
        payload = rng.choice([None, rng.randrange(480, 560), rng.randrange(1180, 1300), rng.randrange(512, 1300)])
        flags = 0x0100 if rng.random() < 0.5 else 0
        opt = b"" if payload is None else b"\0" + struct.pack("!HHIH", 41, payload, 0x8000 if rng.random() < 0.3 else 0, 0)
        header = struct.pack("!HHHHHH", 0, flags, 1, 0, 0, 1 if opt else 0)
        return Probe(header + encode_name(case_mix(rng, labels)) + struct.pack("!HH", qtype, 1) + opt,
                     rng.random() < 0.1, f"boundary/{qtype}/{payload}")

    def malformed(self) -> Probe:
        """A packet a parser must survive: short, wrong counts, bad names, bad compression, extra bytes."""
        rng = self.rng
        base = self.query()
        wire = bytearray(base.wire)
        choice = rng.randrange(16)
        name = encode_name(labels_of(rng.choice(self.owners)))
        q = name + struct.pack("!HH", 1, 1)
        opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
        def header(qd=1, an=0, ns=0, ar=0, flags=0):
            return struct.pack("!HHHHHH", 0, flags, qd, an, ns, ar)
        if choice == 0:
            wire = bytearray(wire[:rng.randrange(0, 12)]) if rng.random() < 0.5 else bytearray(header())
            kind = f"short-{len(wire)}"
        elif choice == 1:
            wire = bytearray(header(qd=0, ar=rng.choice([0, 1])))
            if wire[11]:
                wire += opt
            kind = "qdcount0"
        elif choice == 2:
            wire = bytearray(header(qd=2) + q + encode_name(labels_of(rng.choice(self.owners))) + b"\0\x01\0\x01")
            kind = "qdcount2"
        elif choice == 3:
            wire = bytearray(header(qd=2) + q)
            kind = "qdcount2-one-there"
        elif choice == 4:
            wire += bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 40)))
            kind = "trailing-garbage"
        elif choice == 5:
            wire = bytearray(header() + b"\xc0\x0c" + b"\0\x01\0\x01")
            kind = "pointer-loop"
        elif choice == 6:
            wire = bytearray(header() + b"\x03abc\xc0\x20" + b"\0\x01\0\x01" + bytes(20))
            kind = "forward-pointer"
        elif choice == 7:
            wire = bytearray(header() + b"\x03web\xc0\xff" + b"\0\x01\0\x01")
            kind = "pointer-past-end"
        elif choice == 8:
            wire = bytearray(header() + b"\x41" + b"a" * 65 + b"\x03ec2\0" + b"\0\x01\0\x01")
            kind = "label-64"
        elif choice == 9:
            wire = bytearray(header() + rng.choice([b"\x40", b"\x80", b"\x7f"]) + b"abc\x03ec2\0" + b"\0\x01\0\x01")
            kind = "label-type"
        elif choice == 10:
            cut = rng.randrange(13, max(14, len(q) + 12))
            wire = bytearray((header() + q)[:cut])
            kind = "cut-question"
        elif choice == 11:
            wire = bytearray(header(ar=rng.choice([1, 2, 3])) + q)
            kind = "arcount-missing"
        elif choice == 12:
            wire = bytearray(header(ar=2) + q + opt + opt)
            kind = "two-opt"
        elif choice == 13:
            wire = bytearray(header(an=1) + q + opt)
            kind = "opt-in-answer"
        elif choice == 14:
            bad_owner = b"\x01x\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
            wire = bytearray(header(ar=1) + q + bad_owner)
            kind = "opt-owner"
        else:
            record = name + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 0, 0, 1])
            counts = rng.choice([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1)])
            wire = bytearray(header(an=counts[0], ns=counts[1], ar=counts[2]) + q + record * sum(counts))
            kind = "records-in-query"
        if len(wire) >= 4 and rng.random() < 0.3:
            wire[2] |= 0x01  # RD
        return Probe(bytes(wire), rng.random() < 0.1 and len(wire) >= 12, f"malformed/{kind}")

    def mutated(self) -> Probe:
        """A generated query with a few bytes flipped, cut short, or a stretch repeated."""
        rng = self.rng
        base = self.query()
        wire = bytearray(base.wire)
        for _ in range(rng.choice([1, 1, 2, 3])):
            operation = rng.randrange(4)
            if operation == 0 and len(wire) > 12:
                position = rng.randrange(2, len(wire))
                wire[position] ^= 1 << rng.randrange(8)
            elif operation == 1 and len(wire) > 12:
                position = rng.randrange(12, len(wire))
                wire[position] = rng.choice([0, 0x3f, 0x40, 0xc0, 0xff, rng.getrandbits(8)])
            elif operation == 2:
                wire = wire[:rng.randrange(12, len(wire) + 1)]
            else:
                start = rng.randrange(12, len(wire)) if len(wire) > 12 else 12
                wire += wire[start:start + rng.randrange(1, 12)]
        return Probe(bytes(wire), base.tcp, "mutated/" + base.kind)

    def probes(self, count: int) -> list[Probe]:
        """`count` probes: 70 % generated, 10 % near the truncation limit, 10 % malformed, 10 % mutated."""
        makers = [self.query] * 7 + [self.boundary_query, self.malformed, self.mutated]
        return [self.rng.choice(makers)() for _ in range(count)]
