"""The deliberate differences between fedns and NSD: the one list, read by the differential harness and pointed to
by the README ("Reliability" -> "Differential testing against NSD"). `python3 bench/dnsdiff/deviations.py` prints
it as a table.

Each rule is narrow: it names the queries it is about (`when`, on the query's features and both replies) and the
reply fields that may then differ (`fields`); for a difference to count as documented, every differing field must be
covered by a rule whose condition holds, and the condition checks the values on both sides, not only that they
differ. A reply field not named by a matching rule must be identical.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Callable

from queries import Probe, build
from wire import Features, differing, ede_codes, without_ede

Condition = Callable[[Features, dict, dict], bool]

NOERROR, FORMERR, NXDOMAIN, NOTIMP, REFUSED, NOTAUTH, BADVERS = 0, 1, 3, 4, 5, 9, 16
QUERY, NOTIFY = 0, 4
COOKIE = 10
AXFR, IXFR, OPT = 252, 251, 41
CHAOS, ANY_CLASS = 3, 255
OPT_FIELDS = ("opt", "opt.flags", "opt.options", "opt.owner", "opt.payload", "opt.version")
SECTIONS = ("answer", "authority", "additional")
NOT_ANSWERED = (FORMERR, NOTIMP, REFUSED, NOTAUTH, BADVERS)


def bit(query: Features, mask: int) -> bool:
    return query.flags is not None and bool(query.flags & mask)


def header_only(reply: dict) -> bool:
    """A reply with nothing but the header: no question, no records, no OPT (how NSD answers what it will not
    parse further)."""
    return reply.get("reply") is True and reply.get("question") == b"" and not reply.get("opt") \
        and all(not reply.get(section) for section in SECTIONS)


ALL_FIELDS = ("reply", "id", "opcode", "rcode", "question", *SECTIONS, *OPT_FIELDS,
              *(f"flag.{name}" for name in ("qr", "aa", "tc", "rd", "ra", "z", "ad", "cd")))


def nsd_formerr(query: Features, nsd: dict) -> bool:
    """NSD rejected the message: FORMERR with the header only, or over TCP a closed connection."""
    return nsd.get("rcode") == FORMERR and header_only(nsd) or query.tcp and nsd.get("reply") is False


def malformed_cookie(query: Features) -> bool:
    return any(not (length == 8 or 16 <= length <= 40) for length in cookie_lengths(query))


def rest_explained(query: Features, fedns: dict, nsd: dict) -> bool:
    """With one rule's part of a difference taken out of fedns's reply, the rest is identical or documented."""
    rest = differing(fedns, nsd)
    return not rest or explained(query, fedns, nsd, rest) is not None


def cookie_lengths(query: Features) -> list[int]:
    return [len(data) for code, data in query.edns_option_data if code == COOKIE]


def opt_kept(query: Features, fedns: dict, nsd: dict) -> bool:
    """The query had an OPT; fedns's reply has one (version 0, 1232, DO echoed), NSD's has none."""
    return query.opt and fedns.get("opt") is True and nsd.get("opt") is False and fedns.get("opt.version") == 0 \
        and fedns.get("opt.payload") == 1232 and (fedns.get("opt.flags", 0) & 0x8000) == ((query.edns_flags or 0) & 0x8000)


def same_but_data_case(fedns: dict, nsd: dict) -> bool:
    """Every section holds the same records once names in record data (and additional owners) are compared
    without case, and fedns's are the zone's own spelling (lower case)."""
    for section in SECTIONS:
        mine, theirs = fedns.get(section), nsd.get(section)
        if mine is None or theirs is None:
            return False
        lower = lambda records, own: sorted(
            (r.owner.lower() if own else r.owner, r.rtype, r.rclass, r.ttl, r.rdata.lower()) for r in records)
        own = section == "additional"
        if lower(mine, own) != lower(theirs, own):
            return False
        if any(r.rdata != r.rdata.lower() for r in mine if r.rtype in (2, 6, 12)):
            return False
    return True


def faults(query: Features) -> list[tuple[int, int | None]]:
    """What is wrong with a query, in the order fedns checks it: the rcode and EDE code each gets."""
    found = []
    if (query.edns_version or 0) > 0:
        found.append((BADVERS, None))
    if query.opcode not in (QUERY, None):
        found.append((NOTIMP, None))
    if query.qtype in (AXFR, IXFR):
        found.append((REFUSED, 18))
    if query.qtype == OPT:
        found.append((FORMERR, None))
    if query.qclass not in (1, None):
        found.append((REFUSED, 21))
    return found


def answers_fault(query: Features, reply: dict, fault: tuple[int, int | None]) -> bool:
    rcode, code = fault
    return reply.get("rcode") == rcode and (code is None or not reply.get("opt")
                                            or ede_codes(reply.get("opt.options", ())) in ([code], []))


def precedence_differs(query: Features, fedns: dict, nsd: dict) -> bool:
    """Several faults; fedns answers the first in its order, NSD another one (NOTIFY: NSD's own answer)."""
    found = faults(query)
    if len(found) < 2 or not answers_fault(query, fedns, found[0]):
        return False
    others = found[1:] + ([(REFUSED, None), (NXDOMAIN, None)] if query.opcode == NOTIFY else [])
    return any(answers_fault(query, nsd, fault) for fault in others) and \
        (fedns.get("rcode"), fedns.get("opt.options")) != (nsd.get("rcode"), nsd.get("opt.options"))


def transfer_question(query: Features) -> bool:
    return query.qtype in (AXFR, IXFR)


@dataclass(frozen=True)
class Deviation:
    id: str
    fields: tuple[str, ...]
    fedns: str          # what fedns does
    nsd: str            # what NSD 4.6 does
    rfc: str            # why fedns's answer is right
    when: Condition


DEVIATIONS: list[Deviation] = [
    Deviation(
        "cd-copied", ("flag.cd",),
        "copies CD from the query", "clears CD",
        "RFC 4035 §3.1.6: the server copies the CD bit into the response",
        lambda q, f, n: bit(q, 0x0010) and f.get("flag.cd") is True and n.get("flag.cd") is False),
    Deviation(
        "z-cleared", ("flag.z",),
        "Z = 0 in every reply", "copies Z from the query",
        "RFC 1035 §4.1.1: Z must be zero in all queries and responses",
        lambda q, f, n: bit(q, 0x0040) and f.get("flag.z") is False and n.get("flag.z") is True),
    Deviation(
        "tc-not-copied", ("flag.tc",),
        "TC only when fedns truncated the reply", "copies TC from the query",
        "RFC 1035 §4.1.1, RFC 2181 §9: TC says this message was truncated",
        lambda q, f, n: bit(q, 0x0200) and f.get("flag.tc") is False and n.get("flag.tc") is True),
    Deviation(
        "ra-not-copied", ("flag.ra",),
        "RA = 0 (fedns never recurses)", "copies RA from the query",
        "RFC 1035 §4.1.1: RA says whether recursive service is available",
        lambda q, f, n: bit(q, 0x0080) and f.get("flag.ra") is False and n.get("flag.ra") is True),
    Deviation(
        "aa-in-refusals", ("flag.aa",),
        "AA = 0 on BADVERS, FORMERR, NOTIMP and REFUSED", "copies AA from the query on error replies",
        "RFC 1035 §4.1.1: AA is set by an authority for its answers; an error reply answers nothing",
        lambda q, f, n: bit(q, 0x0400) and f.get("rcode") in NOT_ANSWERED and f.get("rcode") == n.get("rcode")
        and f.get("flag.aa") is False and n.get("flag.aa") is True),
    Deviation(
        "rd-in-formerr", ("flag.rd",),
        "FORMERR copies RD", "FORMERR for QDCOUNT > 1 clears RD",
        "RFC 1035 §4.1.1: RD is copied into the response",
        lambda q, f, n: bit(q, 0x0100) and f.get("rcode") == n.get("rcode") == FORMERR
        and f.get("flag.rd") is True and n.get("flag.rd") is False),
    Deviation(
        "data-name-case", SECTIONS,
        "names in record data (SOA MNAME/RNAME, NS) and glue owners as the zone spells them",
        "the same names compressed against the question, so in the query's case",
        "RFC 4343 §4.1: the case of data is preserved; RFC 1035 §4.1.4: compression is optional",
        lambda q, f, n: same_but_data_case(f, n)),
    Deviation(
        "ede-extra-text", ("opt.options",),
        "EDE with EXTRA-TEXT saying why (\"only class IN is served\", \"zone transfers are not allowed\")",
        "the same EDE code without EXTRA-TEXT",
        "RFC 8914 §2: EXTRA-TEXT is optional, for people",
        lambda q, f, n: f.get("opt") is True and n.get("opt") is True and ede_codes(f.get("opt.options", ()))
        == ede_codes(n.get("opt.options", ())) != [] and without_ede(f["opt.options"]) == without_ede(n["opt.options"])),
    Deviation(
        "chaos-not-supported", ("opt.options",),
        "CHAOS queries: REFUSED with EDE 21 (Not Supported)", "REFUSED with EDE 18 (Prohibited) for a hidden identity",
        "RFC 8914 §4.22: fedns has no CHAOS data at all, so nothing is prohibited",
        lambda q, f, n: q.qclass == CHAOS and f.get("rcode") == n.get("rcode") == REFUSED
        and ede_codes(f.get("opt.options", ())) == [21] and ede_codes(n.get("opt.options", ())) == [18]),
    Deviation(
        "class-any-refused", ("rcode", "flag.aa", "flag.tc", *SECTIONS, "opt.options"),
        "QCLASS ANY: REFUSED with EDE 21", "answers from class IN (out of zone: REFUSED with EDE 20)",
        "RFC 6895 §3.2: an authority can never be sure to hold every class, so a class ANY query cannot be answered "
        "authoritatively; RFC 8914 §4.22",
        lambda q, f, n: q.qclass == ANY_CLASS and f.get("rcode") == REFUSED
        and (n.get("rcode") in (NOERROR, NXDOMAIN) or n.get("rcode") == REFUSED and ede_codes(n.get("opt.options", ())) == [20])
        and not any(f.get(section) for section in SECTIONS)
        and (not q.opt or ede_codes(f.get("opt.options", ())) == [21])),
    Deviation(
        "refusal-echoes-question", ("question", *OPT_FIELDS),
        "REFUSED for classes other than IN, CH, ANY: the question and OPT are echoed",
        "header only (class NONE: no OPT either)",
        "RFC 1035 §4.1.1 (QDCOUNT, the question copied into the response); RFC 6891 §6.1.1 (OPT in the reply to "
        "a query with OPT)",
        lambda q, f, n: q.qclass not in (1, CHAOS, ANY_CLASS) and f.get("rcode") == n.get("rcode") == REFUSED
        and n.get("question") == b"" and f.get("question", b"") != b""
        and (f.get("opt") == n.get("opt") or opt_kept(q, f, n))),
    Deviation(
        "notimp-echoes-question", ("question", *OPT_FIELDS),
        "NOTIMP for opcodes it does not serve: the question and the OPT echoed (as Knot)", "header only",
        "RFC 6891 §6.1.1: a reply to a query with OPT carries OPT; RFC 8906 §3.1.4 (NOTIMP)",
        lambda q, f, n: q.opcode not in (QUERY, None) and f.get("rcode") == n.get("rcode") == NOTIMP
        and header_only(n) and f.get("question") not in (None, b"") and (not q.opt or opt_kept(q, f, n))),
    Deviation(
        "notify-notimp", ("rcode", "flag.aa", "question", *OPT_FIELDS),
        "NOTIFY: NOTIMP (fedns is a primary, never a secondary)", "REFUSED with AA (NXDOMAIN for a name that is no zone), header only",
        "RFC 1996 §3.1 (NOTIFY is for secondaries); RFC 8906 §3.1.4",
        lambda q, f, n: q.opcode == NOTIFY and f.get("rcode") == NOTIMP and n.get("rcode") in (REFUSED, NXDOMAIN)
        and n.get("question") == b"" and not any(n.get(section) for section in SECTIONS)),
    Deviation(
        "transfer-refused", ("rcode", "opt.options", "question", *OPT_FIELDS),
        "AXFR and IXFR (no [dns.transfer]): REFUSED with EDE 18 over UDP and TCP, for any name",
        "over UDP, AXFR: NOTIMP; IXFR of a name that is no zone: NOTAUTH; over TCP, a name that is no zone: NOTAUTH",
        "RFC 5936 §4.2 (AXFR over UDP is not defined), §6 (servers may refuse transfers); RFC 8914 §4.19 (18 Prohibited)",
        lambda q, f, n: transfer_question(q) and f.get("rcode") == REFUSED
        and (n.get("rcode") == NOTAUTH or n.get("rcode") == NOTIMP and not q.tcp) and (not q.opt or ede_codes(f.get("opt.options", ())) == [18])
        and not any(f.get(section) for section in SECTIONS)),
    Deviation(
        "badvers-do-echoed", ("opt.flags",),
        "BADVERS echoes DO", "BADVERS clears DO",
        "RFC 3225 §3: the DO bit of the query is copied into the response",
        lambda q, f, n: (q.edns_version or 0) > 0 and f.get("rcode") == n.get("rcode") == BADVERS
        and f.get("opt.flags") == (q.edns_flags or 0) & 0x8000 and n.get("opt.flags") == 0),
    Deviation(
        "qtype-opt-formerr", ("rcode", "flag.aa", *SECTIONS, "opt.options"),
        "QTYPE OPT (41): FORMERR", "NODATA",
        "RFC 6891 §6.1.1: OPT is a pseudo-record that lives only in the additional section; RFC 6895 §3.1 (meta-TYPE)",
        lambda q, f, n: q.qtype == OPT and f.get("rcode") == FORMERR and (n.get("rcode") in (NOERROR, NXDOMAIN)
        or n.get("rcode") == REFUSED and ede_codes(n.get("opt.options", ())) in ([20], []))
        and not any(f.get(section) for section in SECTIONS)),
    Deviation(
        "formerr-echoes-question", ("question", *OPT_FIELDS),
        "FORMERR for QTYPE OPT or a malformed COOKIE echoes the question and the OPT",
        "FORMERR, header only (for another fault of the same query: an RCODE in it)",
        "RFC 6891 §6.1.1: a reply to a query with OPT carries OPT",
        lambda q, f, n: (q.qtype == OPT or malformed_cookie(q)) and f.get("rcode") == n.get("rcode") == FORMERR
        and header_only(n)
        and f.get("question") not in (None, b"") and (not q.opt or opt_kept(q, f, n))),
    Deviation(
        "opt-overrun-formerr", ("rcode", *(f"flag.{name}" for name in ("aa", "ra", "cd", "tc", "z")), "question",
                                *SECTIONS, *OPT_FIELDS),
        "an OPT whose RDLENGTH runs past the end of the message, or whose options do not fill it exactly: FORMERR, "
        "header only", "reads the OPT's fixed part and answers (BADVERS for its version)",
        "RFC 1035 §4.1.1 (FORMERR: the query cannot be interpreted); RFC 6891 §6.1.2",
        lambda q, f, n: q.opt_overrun and f.get("rcode") == FORMERR and header_only(f) and n.get("rcode") != FORMERR),
    Deviation(
        "qdcount0-formerr", ("rcode",),
        "QDCOUNT 0 with an OPT: FORMERR", "NOERROR",
        "RFC 9619 §4 (QDCOUNT 0 is only for DNS Cookies, RFC 7873 §5.4, and carries no cookie here)",
        lambda q, f, n: q.qdcount == 0 and 10 not in q.edns_options and f.get("rcode") == FORMERR
        and n.get("rcode") == NOERROR),
    Deviation(
        "records-in-query-ignored", ALL_FIELDS,
        "a QUERY carrying records in its answer or authority section, or others than OPT in the additional section, "
        "is answered (the records ignored)",
        "FORMERR, header only (over TCP: closes the connection)",
        "RFC 1035 §4.1.1 puts no limit on ANCOUNT/NSCOUNT in a query; RFC 1122 §1.2.2 (be liberal in what you accept)",
        lambda q, f, n: ((q.ancount or 0) + (q.nscount or 0) > 0 or (q.arcount or 0) > 0 and not q.opt)
        and q.opcode == QUERY and nsd_formerr(q, n) and f.get("reply") is True and f.get("rcode") != FORMERR),
    Deviation(
        "rcode-in-query-ignored", ALL_FIELDS,
        "a query with a non-zero RCODE is answered (RCODE ignored)",
        "FORMERR, header only (over TCP: closes the connection)",
        "RFC 1035 §4.1.1: RCODE is set as part of responses; RFC 1122 §1.2.2",
        lambda q, f, n: q.flags is not None and q.flags & 0xF != 0 and nsd_formerr(q, n) and f.get("reply") is True
        and f.get("rcode") != FORMERR),
    # DNS Cookies (RFC 7873, RFC 9018): NSD 4.6 has none.
    Deviation(
        "cookie-answered", ("opt.options",),
        "a query with a COOKIE option gets the client cookie back with a server cookie", "ignores the option",
        "RFC 7873 §5.2.3-5.2.5, RFC 9018",
        lambda q, f, n: (8 in cookie_lengths(q) or any(16 <= length <= 40 for length in cookie_lengths(q)))
        and any(o[0] == COOKIE and o[1][:8] == next(d for c, d in q.edns_option_data if c == COOKIE)[:8]
                for o in f.get("opt.options", ()))
        and rest_explained(q, dict(f, **{"opt.options": tuple(o for o in f["opt.options"] if o[0] != COOKIE)}), n)),
    Deviation(
        "cookie-truncates-sooner", ("flag.tc", *SECTIONS, "opt.options"),
        "a reply that fits the client's limit only without the 28-octet COOKIE option is sent truncated (TC=1, no records)",
        "sends no cookie, so the same records still fit",
        "RFC 7873 §5.2.3 (the reply carries the cookie); RFC 2181 §9 (TC when the records do not fit)",
        lambda q, f, n: not q.tcp and any(length == 8 or 16 <= length <= 40 for length in cookie_lengths(q))
        and f.get("flag.tc") is True and n.get("flag.tc") is False and not f.get("answer") and bool(n.get("answer"))
        and any(o[0] == COOKIE for o in f.get("opt.options", ())) and n.get("rcode") == f.get("rcode")),
    Deviation(
        "cookie-malformed-formerr", ALL_FIELDS,
        "a COOKIE option of a length RFC 7873 does not allow: FORMERR", "ignores the option and answers",
        "RFC 7873 §5.2.2: a malformed COOKIE option gets FORMERR",
        # fedns checks the cookie before anything but the EDNS version, so this holds whatever else NSD refuses.
        lambda q, f, n: malformed_cookie(q) and (q.edns_version or 0) == 0 and f.get("rcode") == FORMERR
        and n.get("rcode") != FORMERR),
    Deviation(
        "formerr-before-opcode", ("rcode", "flag.cd", "flag.aa"),
        "a message it cannot parse: FORMERR (the header with ID, opcode and RD), whatever its opcode",
        "for opcodes other than QUERY the opcode's answer (NOTIMP; NOTIFY: REFUSED/NXDOMAIN), CD and AA copied",
        "RFC 1035 §4.1.1: FORMERR, the name server was unable to interpret the query",
        lambda q, f, n: q.opcode not in (QUERY, None) and f.get("rcode") == FORMERR
        and n.get("rcode") in (NOTIMP, REFUSED, NXDOMAIN) and header_only(f) and header_only(n)
        and not f.get("flag.cd") and not f.get("flag.aa")),
    Deviation(
        "error-precedence", ("rcode", "flag.aa", "question", *SECTIONS, *OPT_FIELDS),  # opt.options: the EDE
        "a query with several faults gets the error of the first in this order: EDNS version (BADVERS), opcode "
        "(NOTIMP), AXFR/IXFR (REFUSED), QTYPE OPT (FORMERR), class (REFUSED)",
        "checks the opcode first, and the class before the type", "no RFC orders them; each error is right for its fault",
        lambda q, f, n: precedence_differs(q, f, n)
        and not any(f.get(section) for section in SECTIONS) and not any(n.get(section) for section in SECTIONS)),
    Deviation(
        "ns-address-in-reverse-zones", ("additional",),
        "NS at a reverse zone's apex: the name server's address (from the forward zone) as additional data",
        "no additional data (the address is in another zone)",
        "RFC 1034 §4.3.2 step 6 and RFC 2181 §5.4.1: additional data may come from any authoritative data",
        lambda q, f, n: q.qtype in (2, 255) and q.qname is not None and q.qname.endswith(b"\x04arpa\x00")
        and n.get("additional") == () and f.get("additional") != ()
        and all(r.owner.lower() == "ns.ec2." and r.rtype in (1, 28) for r in f["additional"])),
    Deviation(
        "tcp-notimp", ("reply", "id", "opcode", "rcode", "question", *SECTIONS, *OPT_FIELDS,
                       *(f"flag.{name}" for name in ("qr", "aa", "tc", "rd", "ra", "z", "ad", "cd"))),
        "TCP, an opcode it does not serve: NOTIMP (BADVERS for an EDNS version it does not speak), as over UDP",
        "under concurrent TCP load usually closes the connection without a reply (alone: NOTIMP, header only)",
        "RFC 1035 §4.1.1 (NOTIMP); RFC 7766 §7. No example query: NSD's side depends on timing",
        lambda q, f, n: q.tcp and q.opcode not in (QUERY, None) and n.get("reply") is False
        and (f.get("rcode") == NOTIMP or f.get("rcode") == BADVERS and (q.edns_version or 0) > 0)),
    Deviation(
        "tcp-formerr", ("reply", "id", "opcode", "rcode", "question", *SECTIONS, "opt",
                            *(f"flag.{name}" for name in ("qr", "aa", "tc", "rd", "ra", "z", "ad", "cd"))),
        "TCP: FORMERR (header only) for a message it cannot parse, as over UDP",
        "closes the connection without a reply (over UDP: FORMERR)",
        "RFC 1035 §4.1.1 (FORMERR); RFC 7766 §7 (a server may answer or close)",
        lambda q, f, n: q.tcp and n.get("reply") is False and f.get("rcode") == FORMERR and header_only(f)),
]


# One query per rule that shows it: every run sends these first, and the CI test checks that each one matches its
# rule (a rule its example no longer matches describes a difference that is gone: delete it or fix it). Rules
# without one: tcp-notimp (NSD's side depends on timing; its count in each run's report shows it still happens) and
# cookie-truncates-sooner (it needs a name whose answer ends within 28 octets of the limit, which depends on the
# generated fleet).
RD, CD, AD, Z, TC, AA, RA = 0x0100, 0x0010, 0x0020, 0x0040, 0x0200, 0x0400, 0x0080
A_RECORD = b"\x03ec2\x00" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 0, 0, 1])
EXAMPLES: dict[str, Probe] = {rule: Probe(wire, tcp, f"example/{rule}") for rule, wire, tcp in [
    ("cd-copied", build("ec2", 6, flags=CD), False),
    ("z-cleared", build("ec2", 6, flags=Z, version=1), False),
    ("tc-not-copied", build("ns.ec2", 1, flags=TC, version=1), False),
    ("ra-not-copied", build("ns.ec2", 1, flags=RA, version=1), False),
    ("aa-in-refusals", build("ec2", 6, flags=AA, version=1), False),
    ("rd-in-formerr", build("ec2", 6, flags=RD, counts=(2, 0, 0, 0), tail=b"\x02ns\x03ec2\x00\x00\x01\x00\x01"), False),
    ("data-name-case", build("EC2", 6), False),
    ("ede-extra-text", build("ec2", 1, 3, version=0), False),
    ("chaos-not-supported", build("id.server", 16, 3, version=0), False),
    ("class-any-refused", build("ec2", 6, 255), False),
    ("refusal-echoes-question", build("ec2", 6, 254), False),
    ("notimp-echoes-question", build("ec2", 6, flags=2 << 11, version=0), False),
    ("notify-notimp", build("ec2", 6, flags=4 << 11), False),
    ("transfer-refused", build("ec2", 252), False),
    ("badvers-do-echoed", build("ec2", 6, version=1, do=True), False),
    ("qtype-opt-formerr", build("ec2", 41), False),
    ("formerr-echoes-question", build("ec2", 41, flags=4, version=0), False),
    ("opt-overrun-formerr", build("ec2", 6, counts=(1, 0, 0, 1), tail=b"\0" + struct.pack("!HHIH", 41, 1232, 1 << 16, 64)), False),
    ("qdcount0-formerr", struct.pack("!HHHHHH", 0, 0, 0, 0, 0, 1) + b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0), False),
    ("records-in-query-ignored", build("ec2", 6, counts=(1, 1, 0, 0), tail=A_RECORD), False),
    ("rcode-in-query-ignored", build("ec2", 6, flags=3, version=0), False),
    ("formerr-before-opcode", struct.pack("!HHHHHH", 0, 15 << 11, 1, 0, 0, 0) + b"\x13", False),
    ("error-precedence", build("ec2", 6, flags=1 << 11, version=1), False),
    ("ns-address-in-reverse-zones", build("10.in-addr.arpa", 2), False),
    ("tcp-formerr", struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0), True),
    ("cookie-answered", build("ec2", 6, version=0, options=struct.pack("!HH", COOKIE, 8) + bytes(range(8))), False),
    ("cookie-malformed-formerr", build("ec2", 6, version=0, options=struct.pack("!HH", COOKIE, 5) + bytes(range(5))), False),
]}


def explained(query: Features, fedns: dict, nsd: dict, differences: list[str]) -> list[Deviation] | None:
    """The rules that together cover every differing field, or None when some difference is not documented."""
    used, covered = [], set()
    for rule in DEVIATIONS:
        if set(rule.fields) & set(differences) and _holds(rule, query, fedns, nsd):
            used.append(rule)
            covered |= set(rule.fields)
    return used if set(differences) <= covered else None


def _holds(rule: Deviation, query: Features, fedns: dict, nsd: dict) -> bool:
    try:
        return bool(rule.when(query, fedns, nsd))
    except (TypeError, KeyError, AttributeError):
        return False  # a field the condition reads is missing: the rule is not about this reply


def table() -> str:
    lines = ["| rule | fields that may differ | fedns | NSD 4.6 | justification |", "|---|---|---|---|---|"]
    for rule in DEVIATIONS:
        lines.append(f"| `{rule.id}` | {', '.join(rule.fields)} | {rule.fedns} | {rule.nsd} | {rule.rfc} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
