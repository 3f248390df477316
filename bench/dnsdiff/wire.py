"""What the comparison reads: a query's features (read leniently from its bytes, so mutated and malformed queries
have them too) and a reply as a set of comparable fields."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import dns.exception
import dns.message
import dns.rdatatype

EDE = 15  # the Extended DNS Error option (RFC 8914)


@dataclass(frozen=True)
class Features:
    """What a query asks, as far as its bytes say. Fields are None where the bytes do not hold them."""
    length: int
    tcp: bool
    flags: int | None = None          # the header's flag word
    qdcount: int | None = None
    ancount: int | None = None
    nscount: int | None = None
    arcount: int | None = None
    qname: bytes | None = None        # the question's name, wire form, lower-cased; None if not a plain name
    qtype: int | None = None
    qclass: int | None = None
    question_end: int | None = None
    opt: bool = False                 # an OPT record right after the question (the usual place)
    edns_version: int | None = None
    edns_payload: int | None = None
    edns_flags: int | None = None
    edns_options: tuple[int, ...] = ()
    edns_option_data: tuple[tuple[int, bytes], ...] = ()
    opt_overrun: bool = False         # the OPT's RDLENGTH runs past the message, or an option's length past it

    @property
    def opcode(self) -> int | None:
        return None if self.flags is None else (self.flags >> 11) & 0xF

    @property
    def qr(self) -> bool:
        return self.flags is not None and bool(self.flags & 0x8000)

    def in_zone(self, origin: bytes) -> bool:
        """The question's name is the zone `origin` (wire form, lower case) or below it."""
        return self.qname is not None and (self.qname == origin or self.qname.endswith(origin) and
                                           _label_boundary(self.qname, len(self.qname) - len(origin)))


def _label_boundary(name: bytes, offset: int) -> bool:
    position = 0
    while position < offset:
        position += name[position] + 1
    return position == offset


def features(wire: bytes, tcp: bool) -> Features:
    """Reads what it can: the header, a plain question (no compression), and an OPT right after it."""
    if len(wire) < 12:
        return Features(len(wire), tcp)
    _, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    values = dict(length=len(wire), tcp=tcp, flags=flags, qdcount=qd, ancount=an, nscount=ns, arcount=ar)
    position, labels = 12, []
    while position < len(wire):
        size = wire[position]
        if size == 0 or size > 63:
            break
        labels.append(wire[position:position + size + 1])
        position += size + 1
    if qd >= 1 and position + 5 <= len(wire) and wire[position] == 0:
        name = b"".join(labels).lower() + b"\0"
        if len(name) <= 255:
            qtype, qclass = struct.unpack("!HH", wire[position + 1:position + 5])
            values.update(qname=name, qtype=qtype, qclass=qclass, question_end=position + 5)
            opt = position + 5
            if qd == 1 and an == 0 and ns == 0 and ar >= 1 and opt + 11 <= len(wire) and wire[opt] == 0 \
                    and wire[opt + 1:opt + 3] == b"\0\x29":
                payload, ttl, rdlength = struct.unpack("!HIH", wire[opt + 3:opt + 11])
                options, data, cursor, end = [], [], opt + 11, opt + 11 + rdlength
                while cursor + 4 <= min(end, len(wire)):
                    code, size = struct.unpack("!HH", wire[cursor:cursor + 4])
                    options.append(code)
                    data.append((code, wire[cursor + 4:cursor + 4 + size]))
                    cursor += 4 + size
                values.update(opt=True, opt_overrun=end > len(wire) or cursor != end, edns_version=(ttl >> 16) & 0xFF, edns_payload=payload,
                              edns_flags=ttl & 0xFFFF, edns_options=tuple(options), edns_option_data=tuple(data))
    return Features(**values)


# Replies ------------------------------------------------------------------------------------------------------

HEADER_BITS = {"qr": 0x8000, "aa": 0x0400, "tc": 0x0200, "rd": 0x0100, "ra": 0x0080, "z": 0x0040, "ad": 0x0020,
               "cd": 0x0010}


@dataclass(frozen=True)
class Record:
    owner: str        # as sent (case kept: 0x20 echo is compared)
    rtype: int
    rclass: int
    ttl: int
    rdata: str

    def __str__(self) -> str:
        return f"{self.owner} {self.ttl} {self.rclass} {dns.rdatatype.to_text(self.rtype)} {self.rdata}"


@dataclass
class Reply:
    """A reply as fields that compare on their own; `fields()` is what the comparison sees."""
    raw: bytes | None
    values: dict = field(default_factory=dict)

    @staticmethod
    def parse(raw: bytes | None) -> "Reply":
        reply = Reply(raw)
        if raw is None:
            reply.values = {"reply": False}
            return reply
        values: dict = {"reply": True}
        if len(raw) < 12:
            values["unparsed"] = raw
            reply.values = values
            return reply
        identifier, flags = struct.unpack("!HH", raw[:4])
        values["id"] = identifier
        values["opcode"] = (flags >> 11) & 0xF
        for name, bit in HEADER_BITS.items():
            values[f"flag.{name}"] = bool(flags & bit)
        rcode = flags & 0xF
        try:
            # Read as a QUERY whatever the opcode: dnspython reads UPDATE replies by UPDATE's own section rules,
            # which a NOTIMP reply echoing a question does not follow; the opcode is compared from the header.
            message = dns.message.from_wire(raw[:2] + bytes([raw[2] & 0x87]) + raw[3:], ignore_trailing=False,
                                            one_rr_per_rrset=True)
        except (dns.exception.DNSException, ValueError, struct.error) as error:
            values["rcode"] = rcode
            values["unparsed"] = f"{type(error).__name__}: {raw.hex()}"
            reply.values = values
            return reply
        values["question"] = _question_bytes(raw)
        for index, section in enumerate(("answer", "authority", "additional")):
            records = []
            for rrset in message.sections[index + 1]:
                for rdata in rrset:
                    records.append(Record(rrset.name.to_text(), rrset.rdtype, rrset.rdclass, rrset.ttl, rdata.to_text()))
            values[section] = tuple(sorted(records, key=str))
        if message.opt is not None:
            opt = message.opt
            values["opt"] = True
            values["opt.version"] = (message.ednsflags >> 16) & 0xFF
            values["opt.flags"] = message.ednsflags & 0xFFFF
            values["opt.payload"] = message.payload
            values["opt.options"] = tuple(sorted((option.otype, option.to_wire()) for option in message.options))
            values["opt.owner"] = opt.name.to_text()
            rcode |= ((message.ednsflags >> 24) & 0xFF) << 4
        else:
            values["opt"] = False
        values["rcode"] = rcode
        reply.values = values
        return reply


def _question_bytes(raw: bytes) -> bytes:
    """The question section exactly as sent (names in it are never compressed by either server)."""
    count = struct.unpack("!H", raw[4:6])[0]
    position = 12
    for _ in range(count):
        while position < len(raw) and raw[position] != 0:
            if raw[position] >= 0xC0:
                position += 1
                break
            position += raw[position] + 1
        position += 5
    return raw[12:position]


def differing(fedns: dict, nsd: dict) -> list[str]:
    """The fields whose values differ (a field one reply lacks counts as differing)."""
    return sorted(key for key in fedns.keys() | nsd.keys() if fedns.get(key) != nsd.get(key))


def ede(code: int, text: bytes = b"") -> tuple[int, bytes]:
    """An EDE option as `Reply` holds options: (15, INFO-CODE + EXTRA-TEXT)."""
    return (EDE, struct.pack("!H", code) + text)


def without_ede(options: tuple) -> tuple:
    return tuple(option for option in options if option[0] != EDE)


def ede_codes(options: tuple) -> list[int]:
    return [struct.unpack("!H", data[:2])[0] for code, data in options if code == EDE and len(data) >= 2]
