#!/usr/bin/env python3
"""Writes tsig-vectors.json: TSIG (RFC 8945) messages signed by dnspython, an implementation independent of fedns's,
for ZoneTransferTests/TSIGTests.swift to check its signing and checking against.

Run from anywhere (dnspython 2.x, as Tests/e2e/requirements.txt installs it):
    python3 Tests/ZoneTransferTests/Fixtures/make_tsig_vectors.py
The output is deterministic (fixed secrets, IDs and time), so re-running it changes nothing unless dnspython's
TSIG changes.

For each algorithm: a signed AXFR request (what a secondary sends), and a three-message reply stream signed as a
primary does (the first covers the request's MAC, each later one the MAC before it and only the timers), each
message given both unsigned and signed, so that the Swift side can sign the unsigned bytes and must get the signed
ones exactly."""

import base64
import json
import time
from pathlib import Path

import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring

TIME = 1_790_000_000  # the time every message is signed at
OUT = Path(__file__).with_name("tsig-vectors.json")


def fixed_time() -> float:
    return float(TIME)


# dnspython signs at int(time.time()) when it renders a message: pin it.
time.time = fixed_time

CASES = [
    ("hmac-sha256", "xfr.example.", b"fedns-tsig-vector-secret-sha256!", 0x1234),
    ("hmac-sha512", "Transfer-Key.", b"fedns-tsig-vector-secret-for-sha512-0123456789abcdef", 0xBEEF),
]


def reply_bodies(request: dns.message.Message) -> list[list[dns.rrset.RRset]]:
    """The answer sections of a three-message transfer of `example.`: SOA + records, records, records + SOA."""
    soa = dns.rrset.from_text("example.", 3600, "IN", "SOA", "ns.example. hostmaster.example. 7 3600 600 86400 60")
    a = [dns.rrset.from_text(f"host-{n}.example.", 60, "IN", "A", f"10.0.0.{n}") for n in range(1, 7)]
    return [[soa, a[0], a[1]], [a[2], a[3]], [a[4], a[5], soa]]


def main() -> None:
    cases = []
    for algorithm, key_name, secret, query_id in CASES:
        secret_b64 = base64.b64encode(secret).decode()
        keyring = dns.tsigkeyring.from_text({key_name: (algorithm, secret_b64)})
        request = dns.message.make_query("example.", "AXFR")
        request.id = query_id
        request.use_tsig(keyring, keyname=key_name, algorithm=algorithm)
        request_wire = request.to_wire()
        # dnspython checks its own request before we rely on it.
        checked = dns.message.from_wire(request_wire, keyring=keyring)
        replies = []
        ctx = None
        for index, answer in enumerate(reply_bodies(request)):
            unsigned = dns.message.make_response(dns.message.make_query("example.", "AXFR"))
            unsigned.id = query_id
            signed = dns.message.make_response(checked)  # carries the key and the request's MAC
            if index > 0:
                # Later messages of a transfer carry no question (RFC 5936 §2.2).
                unsigned.question = []
                signed.question = []
            unsigned.answer = list(answer)
            signed.answer = list(answer)
            unsigned_wire = unsigned.to_wire()
            signed_wire = signed.to_wire(multi=True, tsig_ctx=ctx)
            ctx = signed.tsig_ctx
            assert signed_wire[12:len(unsigned_wire)] == unsigned_wire[12:], "the body is rendered the same way"
            replies.append({
                "unsigned": unsigned_wire.hex(), "signed": signed_wire.hex(), "mac": signed.mac.hex(),
            })
        # The stream as a whole checks with dnspython's own validation (request MAC, then chained MACs).
        tsig_ctx = None
        for index, reply in enumerate(replies):
            message = dns.message.from_wire(
                bytes.fromhex(reply["signed"]), keyring=keyring, request_mac=checked.mac, xfr=True,
                origin=None, tsig_ctx=tsig_ctx, multi=True)
            tsig_ctx = message.tsig_ctx
        cases.append({
            "algorithm": algorithm, "key_name": key_name, "secret": secret_b64, "time": TIME, "fudge": 300,
            "request": request_wire.hex(), "request_mac": checked.mac.hex(), "replies": replies,
        })
    document = {
        "made_by": "Tests/ZoneTransferTests/Fixtures/make_tsig_vectors.py with dnspython " + dns.version.version,
        "cases": cases,
    }
    OUT.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
