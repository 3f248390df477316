"""Writes the seed corpus of every fuzz target into fuzz/corpus/TARGET/seed-*: a small set of valid and
near-valid inputs from which libFuzzer mutates. Run again after changing it: `python3 fuzz/seeds/make_seeds.py`
(needs dnspython, as the end-to-end tests do). Files libFuzzer added (hashes as names) and crash inputs
(crash-*) are kept beside the seeds; this script only rewrites seed-* files."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass
import dns.rdatatype

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fuzz" / "corpus"


def write(target: str, name: str, data: bytes | str) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{name}").write_bytes(data.encode() if isinstance(data, str) else data)


def query(name, rdtype="A", *, qid=0x1230, edns=0, payload=1232, options=(), want_dnssec=False, rdclass="IN",
          opcode=None, flags=None) -> bytes:
    message = dns.message.make_query(name, rdtype, rdclass=rdclass, use_edns=edns, payload=payload,
                                     options=list(options), want_dnssec=want_dnssec)
    message.id = qid
    if opcode is not None:
        message.set_opcode(opcode)
    if flags is not None:
        message.flags = flags
    return message.to_wire()


def dns_seeds() -> list[bytes]:
    # The ID's low two bits choose the zone (0, 1: ec2.; 2: aws.example.com.; 3: not loaded yet).
    seeds = {
        "a-web": query("web-1.ec2.", "A", edns=None),
        "a-web-edns": query("web-3.ec2.", "A"),
        "aaaa": query("web-4.ec2.", "AAAA"),
        "txt": query("web-8.us-east-1.ec2.", "TXT"),
        "any": query("db-1.ec2.", "ANY"),
        "crowd-udp512": query("crowd.ec2.", "A", edns=None),
        "crowd-edns": query("crowd.ec2.", "A", payload=4096),
        "crowd-small-payload": query("crowd.ec2.", "A", payload=100),
        "id-label": query("i-0000000f02200005.ec2.", "A"),
        "region-ent": query("eu-west-1.ec2.", "A"),
        "nx": query("nothing-here.ec2.", "A"),
        "mixed-case": query("WeB-1.Ec2.", "A"),
        "soa": query("ec2.", "SOA"),
        "ns": query("ec2.", "NS"),
        "ns-a": query("ns.ec2.", "A"),
        "ns-aaaa": query("ns.ec2.", "AAAA"),
        "ptr": query("11.1.0.10.in-addr.arpa.", "PTR"),
        "ptr-extra-zone": query("9.9.9.10.in-addr.arpa.", "PTR"),
        "ptr6": query(dns.reversename.from_address("2001:db8:0::1"), "PTR") if hasattr(dns, "reversename") else b"",
        "refused": query("example.com.", "A"),
        "axfr": query("ec2.", "AXFR"),
        "chaos": query("version.bind.", "TXT", rdclass="CH"),
        "notify": query("ec2.", "SOA", opcode=dns.opcode.NOTIFY),
        "edns-v1": b"",
        "cookie": query("web-1.ec2.", "A", options=[dns.edns.GenericOption(10, b"\x01\x02\x03\x04\x05\x06\x07\x08")]),
        "nsid": query("web-1.ec2.", "A", options=[dns.edns.GenericOption(3, b"")]),
        "do-bit": query("web-1.ec2.", "A", want_dnssec=True),
        "other-zone": query("web-1.aws.example.com.", "A", qid=0x1232),
        "other-zone-stopped": query("batch-290.aws.example.com.", "A", qid=0x1236),
        "not-ready": query("web-1.ec2.", "A", qid=0x1233),
        "long-label": query(("x" * 63) + ".ec2.", "A"),
        "unicode-label": query("caf----.ec2.", "A"),
        "opt-question": query("ec2.", "OPT"),
    }
    # EDNS version 1 (BADVERS).
    message = dns.message.make_query("web-1.ec2.", "A", use_edns=1)
    message.id = 0x1234
    seeds["edns-v1"] = message.to_wire()
    # Two questions; a compression pointer in the question; QR=1; a bare header; 11 bytes; trailing garbage.
    one = query("web-1.ec2.", "A", edns=None)
    header = bytearray(one[:12])
    header[4:6] = struct.pack("!H", 2)
    seeds["two-questions"] = bytes(header) + one[12:] + one[12:]
    seeds["pointer-question"] = one[:12] + b"\x03web\xc0\x10" + b"\x00\x01\x00\x01"
    seeds["qr-set"] = one[:2] + bytes([one[2] | 0x80]) + one[3:]
    seeds["header-only"] = one[:12]
    seeds["short"] = one[:11]
    seeds["trailing"] = one + b"\x00\x01\x02"
    seeds["opt-with-options"] = query("web-2.ec2.", "A", options=[dns.edns.GenericOption(12, b"\x00" * 8),
                                                                  dns.edns.GenericOption(15, b"\x00\x01")])
    seeds["answer-section"] = one[:6] + b"\x00\x01" + one[8:] + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01"
    for name, data in seeds.items():
        if data:
            write("dns", name, data)
    return [data for data in seeds.values() if data]


def frame(message: bytes) -> bytes:
    return struct.pack("!H", len(message)) + message


def dns_tcp_seeds(messages: list[bytes]) -> None:
    write("dns-tcp", "one", frame(messages[0]))
    write("dns-tcp", "three", frame(messages[0]) + frame(messages[5]) + frame(messages[2]))
    write("dns-tcp", "partial", frame(messages[1]) + frame(messages[3])[:7])
    write("dns-tcp", "zero-length", frame(messages[0]) + b"\x00\x00" + frame(messages[1]))
    write("dns-tcp", "length-only", b"\x01")
    write("dns-tcp", "big-length", b"\xff\xff" + messages[0])
    write("dns-tcp", "crowd", frame(query("crowd.ec2.", "A", edns=None)) + frame(query("crowd.ec2.", "ANY")))


def http_seeds() -> None:
    def request(method, target, headers=("Host: example.org",), body=b"", version="HTTP/1.1") -> bytes:
        head = f"{method} {target} {version}\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n"
        return head.encode() + body

    bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    seeds = {
        "name": request("GET", "/federation?type=name&q=bob*example.org"),
        "name-encoded": request("GET", "/federation?type=name&q=bob%2Aexample.org"),
        "name-unicode": request("GET", "/federation?type=name&q=zo%C3%AB*example.org"),
        "phone": request("GET", "/federation?type=name&q=+14155550100*example.org"),
        "phone-space": request("GET", "/federation?type=name&q=%2014155550100*example.org"),
        "id": request("GET", f"/federation?type=id&q={bob}"),
        "txid": request("GET", "/federation?type=txid&q=abc"),
        "forward": request("GET", "/federation?type=forward&forward_type=bank_account&swift=BOFAUS6S&acct=123"),
        "forward-phone": request("GET", "/federation?type=forward&forward_type=phone&number=dave"),
        "legacy": request("GET", "/?type=federation&destination=bob&domain=example.org"),
        "legacy-reverse": request("GET", f"/federation?type=reverse_federation&destination_address={bob}&domain=example.org"),
        "legacy-user": request("GET", "/federation?user=bob&domain=example.org"),
        "toml": request("GET", "/.well-known/stellar.toml"),
        "toml-head": request("HEAD", "/.well-known/stellar.toml"),
        "toml-etag": request("GET", "/.well-known/stellar.toml", ("Host: www.example.org", 'If-None-Match: W/"x", *')),
        "txt": request("GET", "/stellar.txt", ("Host: stellar.example.org:443",)),
        "preflight": request("OPTIONS", "/federation", ("Host: example.org", "Origin: https://a.b",
                                                         "Access-Control-Request-Headers: X-Client-Name, content-type")),
        "post": request("POST", "/federation", ("Host: example.org", "Content-Length: 5"), b"q=bob"),
        "delete": request("DELETE", "/federation?q=x"),
        "no-host": request("GET", "/federation?type=name&q=bob*example.org", ()),
        "two-hosts": request("GET", "/federation", ("Host: example.org", "Host: example.org")),
        "other-host": request("GET", "/federation?type=name&q=bob*example.org", ("Host: evil.example",)),
        "public-url-host": request("GET", "/federation?type=name&q=bob*example.org", ("Host: fed.example.net",)),
        "public-url-toml": request("GET", "/.well-known/stellar.toml", ("Host: fed.example.net",)),
        "port-domain": request("GET", "/federation?type=name&q=bob*localhost:8443", ("Host: localhost:8443",)),
        "ipv6-host": request("GET", "/federation", ("Host: [::1]:8443",)),
        "bad-percent": request("GET", "/federation?type=name&q=%zz"),
        "repeated": request("GET", "/federation?type=name&type=id&q=a"),
        "long-query": request("GET", "/federation?type=name&q=" + "a" * 2100),
        "http10": request("GET", "/federation?type=name&q=bob*example.org", version="HTTP/1.0"),
        "auth": request("GET", f"/auth?account={bob}"),
        "records": request("PUT", "/federation/records/bob*example.org", ("Host: example.org", "Content-Length: 0")),
        "nothing": request("GET", "/robots.txt"),
        "dot-segments": request("GET", "//federation/?type=name&q=bob*example.org#frag"),
    }
    for name, data in seeds.items():
        write("http", name, data)
    pipelined = seeds["name"] + seeds["toml-head"] + seeds["name"] + seeds["post"] + seeds["id"]
    write("http", "pipelined", pipelined)
    write("http", "close-then-more", request("GET", "/federation?type=name&q=bob*example.org",
                                              ("Host: example.org", "Connection: close")) + seeds["id"])
    write("http", "chunked", request("POST", "/federation", ("Host: example.org", "Transfer-Encoding: chunked"), b"3\r\nabc\r\n0\r\n\r\n"))


def aws_seeds() -> None:
    for fixture in (ROOT / "Tests" / "fixtures" / "ec2").glob("*.xml"):
        write("aws-xml", fixture.stem, fixture.read_bytes())
    write("aws-xml", "regions", """<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo>
<item><regionName>eu-west-1</regionName><regionEndpoint>ec2.eu-west-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>
<item><regionName>af-south-1</regionName><regionEndpoint>ec2.af-south-1.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item>
</regionInfo></DescribeRegionsResponse>""")
    write("aws-xml", "assume-role", """<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<AssumedRoleUser><AssumedRoleId>AROA:fedns</AssumedRoleId><Arn>arn:aws:sts::111122223333:assumed-role/r/fedns</Arn></AssumedRoleUser>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>c2VjcmV0</SecretAccessKey><SessionToken>token&amp;more</SessionToken>
<Expiration>2026-12-07T09:00:00Z</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></AssumeRoleResponse>""")
    write("aws-xml", "start-instances", """<StartInstancesResponse><instancesSet><item><instanceId>i-1</instanceId>
<currentState><code>0</code><name>pending</name></currentState><previousState><code>80</code><name>stopped</name></previousState></item></instancesSet></StartInstancesResponse>""")
    write("aws-xml", "ec2-error", """<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>abc</RequestID></Response>""")
    write("aws-xml", "sts-error", """<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>ExpiredToken</Code>
<Message>The security token included in the request is expired</Message></Error><RequestId>x</RequestId></ErrorResponse>""")
    write("aws-xml", "json-error", '{"__type":"ThrottlingException","message":"Rate exceeded"}')
    write("aws-xml", "entities", "<a x='1' y=\"&lt;&#65;&#x42;\"><!-- c --><![CDATA[<raw>]]><?pi x?><b/>&amp;&quot;&apos;&gt;</a>")


def file_seeds() -> None:
    for path in (ROOT / "Resources" / "demo").glob("*.toml"):
        write("config", path.stem, path.read_bytes())
    write("config", "full", """[dns]
listen = ["127.0.0.1:5353", "[::1]:5353"]
zone = "ec2"
ttl = 60
address = "auto"
states = ["running", "stopped"]
negative_ttl = 30
nameserver = "ns.ec2"
nameserver_addresses = ["127.0.0.1"]
hostmaster = "hostmaster.ec2"
reverse_zones = ["10.in-addr.arpa"]
tcp_idle_timeout = 10
tcp_partial_timeout = 2
tcp_max_connections = 512
query_log = false
threads = 0

[discovery]
source = "aws"
regions = ["us-east-1", "eu-west-1"]
profiles = ["prod"]
refresh_interval = 60
snapshot = ""
max_concurrency = 8
request_timeout = 30
ec2_endpoint = "https://ec2.example"

[control]
listen = "127.0.0.1:9153"

[companion]
address = "auto"
host_key_alias = true
ssh = "ssh"

[federation]
listen = "127.0.0.1:8443"
certificate = "tls/fullchain.pem"
private_key = "tls/privkey.pem"
domains = ["example.org"]
store = "sqlite:addresses.db"
idle_timeout = 10
max_connections = 1024

[[federation.forward]]
forward_type = "bank_account"
parameters = ["swift", "acct"]
address = "{acct}*bank.example.org"
""")
    write("config", "file-source", '[discovery]\nsource = "file"\nfile = "inventory.json"\n[dns]\nenabled = true\n')
    write("config", "bad", '[dns]\nttl = "sixty"\nunknown = 1\n[nope]\n')
    demo = ROOT / "Resources" / "demo" / "inventory.json"
    write("snapshot", "demo", demo.read_bytes())
    write("snapshot", "full", json.dumps({
        "format": 1, "serial": 2026120701, "generated_at": "2026-12-07T08:00:00Z",
        "instances": [{"id": "i-0abc", "name": "web-1", "tags": {"Name": "web-1", "env": "prod"}, "state": "running",
                       "type": "t3.micro", "az": "eu-west-1a", "region": "eu-west-1", "account": "123456789012",
                       "profile": "prod", "private_ipv4": ["10.0.0.1", "10.0.0.2"], "public_ipv4": "54.0.0.1",
                       "ipv6": ["2001:db8::1"], "private_dns": "ip-10-0-0-1.ec2.internal", "public_dns": None,
                       "launched": "2026-11-01T10:00:00.123Z"},
                      {"id": "i-0def", "state": "stopped", "region": "us-east-1", "private_ipv4": []}],
        "sources": [{"region": "eu-west-1", "profile": "prod", "account": "123456789012",
                     "last_success": "2026-12-07T08:00:00Z", "last_attempt": "2026-12-07T08:00:00Z",
                     "last_error": None, "instances": 1}]}, indent=1))
    write("snapshot", "trailing-comma", '{"format": 1, "instances": [{"id": "i-1", "region": "r", "state": "running",},],}')
    bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    write("addressbook", "csv", f"address,account_id,memo_type,memo\nbob*example.org,{bob},id,123\n"
                                f'"shop*example.org",{bob},text,"order, ""42"""\nalice*example.org,{bob},,\n')
    write("addressbook", "csv-bom-crlf", f"\ufeffaccount_id,address\r\n{bob},carol*example.org\r\n\r\n")
    write("addressbook", "json", json.dumps([{"address": "bob*example.org", "account_id": bob, "memo_type": "hash",
                                              "memo": "ab" * 32}, {"address": "zoë*example.org", "account_id": bob,
                                                                  "memo_type": None, "memo": None}]))
    write("addressbook", "duplicate", f"address,account_id\nBob*example.org,{bob}\nbob*EXAMPLE.org,{bob}\n")
    write("aws-config", "config", """[default]
region = eu-west-1
output = json

[profile prod]
role_arn = arn:aws:iam::111122223333:role/dns
source_profile = default
external_id = x
s3 =
  max_concurrent_requests = 10

[profile proc]
credential_process = "/usr/bin/aws" configure export-credentials --profile 'sso dev' --format process
; comment
# comment
[profile sso]
sso_start_url = https://example.awsapps.com/start
""")
    write("aws-config", "credentials", "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key: secret\r\n[dev]\naws_session_token=t\n")
    write("credential-process", "v1", json.dumps({"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "c2VjcmV0a2V5",
                                                  "SessionToken": "token", "Expiration": "2026-12-07T09:00:00Z"}))
    write("credential-process", "imds", json.dumps({"Code": "Success", "AccessKeyId": "ASIA", "SecretAccessKey": "s3cr3t-key",
                                                    "Token": "t", "Expiration": "2026-12-07T09:00:00.000Z"}))
    write("credential-process", "failure", json.dumps({"Code": "Failure", "Message": "no role"}))
    write("credential-process", "bad-expiration", json.dumps({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "secret-value",
                                                              "Expiration": "tomorrow"}))


if __name__ == "__main__":
    import dns.reversename  # noqa: F401 (used by the ptr6 seed)

    messages = dns_seeds()
    dns_tcp_seeds(messages)
    http_seeds()
    aws_seeds()
    file_seeds()
