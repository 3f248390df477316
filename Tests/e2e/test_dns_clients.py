"""The zone through real DNS clients: dig, kdig and dnspython, over UDP and TCP, IPv4 and IPv6."""

from __future__ import annotations

import re
import socket
import struct

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.reversename
import pytest

from fednsproc import answers, rcode


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_hits(server, tcp):
    assert answers(server.query("appserver-1.ec2", "A", tcp=tcp)) == ["54.20.0.11"]
    assert answers(server.query("appserver-2.ec2", "A", tcp=tcp)) == ["10.20.2.12"]
    assert answers(server.query("appserver-1.ec2", "AAAA", tcp=tcp)) == ["2001:db8:20::11"]
    assert answers(server.query("web.ec2", "A", tcp=tcp)) == ["54.20.0.22", "54.21.0.21"]
    assert answers(server.query("web.us-east-1.ec2", "A", tcp=tcp)) == ["54.21.0.21"]
    assert answers(server.query("i-0e2e000000000005.ec2", "A", tcp=tcp)) == ["10.20.3.41"]


def test_flags_and_authority(server):
    response = server.query("appserver-1.ec2", "A")
    assert response.flags & dns.flags.AA
    assert response.flags & dns.flags.RD  # copied from the query
    assert not response.flags & dns.flags.RA
    no_rd = server.query("appserver-1.ec2", "A", flags=0)
    assert not no_rd.flags & dns.flags.RD


def test_nxdomain_and_nodata_carry_the_soa(server):
    missing = server.query("nope.ec2", "A")
    assert rcode(missing) == "NXDOMAIN"
    assert [rrset.rdtype for rrset in missing.authority] == [dns.rdatatype.SOA]
    assert missing.authority[0].ttl == 30
    stopped = server.query("db-1.ec2", "A")
    assert rcode(stopped) == "NXDOMAIN"
    nodata = server.query("appserver-2.ec2", "AAAA")
    assert rcode(nodata) == "NOERROR" and nodata.answer == []
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA
    region = server.query("us-east-1.ec2", "A")
    assert rcode(region) == "NOERROR" and region.answer == []


def test_txt_and_ptr(server):
    txt = server.query("appserver-1.ec2", "TXT")
    strings = [s.decode() for rrset in txt.answer for rdata in rrset for s in rdata.strings]
    assert strings == [
        "instance-id=i-0e2e000000000001", "region=eu-west-1", "az=eu-west-1a", "type=t3.micro",
        "state=running", "launched=2026-11-01T10:00:00Z", "name=appserver-1",
    ]
    assert answers(server.query("11.1.20.10.in-addr.arpa", "PTR")) == ["appserver-1.ec2."]
    assert answers(server.query("41.3.20.10.in-addr.arpa", "PTR")) == ["i-0e2e000000000005.ec2."]
    assert answers(server.query(dns.reversename.from_address("2001:db8:20::11"), "PTR")) == ["appserver-1.ec2."]
    assert answers(server.query(dns.reversename.from_address("54.20.0.11"), "PTR")) == ["appserver-1.ec2."]
    assert rcode(server.query("99.1.20.10.in-addr.arpa", "PTR")) == "NXDOMAIN"


def test_out_of_zone_is_refused_with_ede(server):
    response = server.query("example.com", "A", use_edns=0)
    assert rcode(response) == "REFUSED"
    assert not response.flags & dns.flags.AA
    assert [option.code for option in response.options if option.otype == dns.edns.OptionType.EDE] == [20]
    plain = server.query("example.com", "A", use_edns=False)
    assert rcode(plain) == "REFUSED" and plain.edns == -1


def test_edns(server):
    plain = server.query("appserver-1.ec2", "A", use_edns=False)
    assert plain.edns == -1  # no OPT when the query had none
    with_edns = server.query("appserver-1.ec2", "A", use_edns=0, payload=4096, want_dnssec=True)
    assert with_edns.edns == 0
    assert with_edns.payload == 1232
    assert with_edns.ednsflags & dns.flags.DO


def test_badvers(server):
    response = server.query("appserver-1.ec2", "A", use_edns=1)
    assert response.rcode() == dns.rcode.BADVERS
    assert response.edns == 0
    assert response.answer == []


def test_zone_transfer_refused(server):
    axfr = dns.message.make_query("ec2.", "AXFR", use_edns=0)
    response = dns.query.tcp(axfr, "127.0.0.1", port=server.port, timeout=2)
    assert rcode(response) == "REFUSED"
    assert [option.code for option in response.options] == [18]
    assert rcode(server.query("ec2.", "IXFR")) == "REFUSED"


def test_any_is_minimal(server):
    response = server.query("appserver-1.ec2", "ANY")
    assert len(response.answer) == 1


def test_0x20_question_echoed_byte_exact(server):
    message = dns.message.make_query("aPpSeRvEr-1.eC2.", "A")
    wire = message.to_wire()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(wire, ("127.0.0.1", server.port))
        reply, _ = sock.recvfrom(4096)
    question_end = 12 + len("aPpSeRvEr-1.eC2.") + 1 + 4
    assert reply[12:question_end] == wire[12:question_end]
    parsed = dns.message.from_wire(reply)
    assert parsed.answer[0].name.to_text() == "aPpSeRvEr-1.eC2."


def test_truncation_then_tcp_with_dig(server):
    output = server.dig("crowd.ec2", "+noedns", "+nocookie")
    assert "Truncated, retrying in TCP mode" in output
    assert re.search(r"ANSWER: 100,", output), output
    udp_only = server.query("crowd.ec2", "A", use_edns=False)
    assert udp_only.flags & dns.flags.TC and udp_only.answer == []
    edns_limit = server.query("crowd.ec2", "A", use_edns=0, payload=4096)
    assert edns_limit.flags & dns.flags.TC and edns_limit.answer == []
    assert len(answers(server.query("crowd.ec2", "A", tcp=True))) == 100


def test_dig_short_and_kdig(server):
    assert server.dig("appserver-1.ec2", "+short").split() == ["54.20.0.11"]
    assert server.dig("-x", "10.20.1.11", "+short").split() == ["appserver-1.ec2."]
    kdig = server.dig("appserver-1.ec2", "AAAA", "+tcp", "+short", tool="kdig")
    assert kdig.split() == ["2001:db8:20::11"]
    kdig_udp = server.dig("web.ec2", "+short", tool="kdig")
    assert sorted(kdig_udp.split()) == ["54.20.0.22", "54.21.0.21"]


def test_ipv6_listener(server):
    for tcp in (False, True):
        response = server.query("appserver-1.ec2", "A", tcp=tcp, host="::1")
        assert answers(response) == ["54.20.0.11"]


def test_pipelined_tcp(server):
    names = ["appserver-1.ec2.", "appserver-2.ec2.", "nope.ec2."]
    queries = [dns.message.make_query(name, "A") for name in names]
    payload = b"".join(struct.pack("!H", len(wire)) + wire for wire in (q.to_wire() for q in queries))
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as sock:
        sock.sendall(payload)  # three queries in one write (RFC 7766 §6.2.1.1)
        replies = [read_tcp_message(sock) for _ in names]
    by_id = {reply.id: reply for reply in map(dns.message.from_wire, replies)}
    assert sorted(by_id) == sorted(q.id for q in queries)
    assert answers(by_id[queries[0].id]) == ["54.20.0.11"]
    assert answers(by_id[queries[1].id]) == ["10.20.2.12"]
    assert rcode(by_id[queries[2].id]) == "NXDOMAIN"


def read_tcp_message(sock: socket.socket) -> bytes:
    length = struct.unpack("!H", read_exactly(sock, 2))[0]
    return read_exactly(sock, length)


def read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError(f"closed after {len(data)} of {count} bytes")
        data += chunk
    return data
