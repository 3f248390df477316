"""The federation endpoint through independent clients: the Python stellar-sdk end to end, curl the way operators
check, and plain HTTPS for the headers every response must carry."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from stellar_sdk.sep import federation, stellar_toml
from stellar_sdk.sep.exceptions import BadFederationResponseError

from fedfixtures import HASH_MEMO, site  # noqa: F401 - the fixture
from fedhttps import ALICE, BOB, CAROL, PKI, FederationServer
from fednsproc import FEDNS_BIN, metric

CORS = ("access-control-allow-origin", "*")
HSTS = ("strict-transport-security", "max-age=63072000; includeSubDomains")


@pytest.fixture
def sdk_trusts_test_ca(site, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(site.ca))


def test_stellar_sdk_resolves_through_stellar_toml_and_back(site, sdk_trusts_test_ca):
    toml = stellar_toml.fetch_stellar_toml(site.domain)
    assert toml["FEDERATION_SERVER"] == f"https://{site.domain}/federation"

    record = federation.resolve_stellar_address(f"bob*{site.domain}")
    assert record.account_id == BOB
    assert record.memo_type == "id"
    # The SDK passes the memo through untyped; SEP-2 says it is a string, even for ids.
    assert record.memo == "42" and isinstance(record.memo, str)

    back = federation.resolve_account_id(BOB, domain=site.domain)
    assert back.stellar_address == f"bob*{site.domain}"

    # Case-insensitive names, the address echoed as stored.
    assert federation.resolve_stellar_address(f"BOB*{site.domain}").account_id == BOB

    with pytest.raises(BadFederationResponseError) as missing:
        federation.resolve_stellar_address(f"nobody*{site.domain}")
    assert missing.value.status == 404


def test_memo_types_are_strings_as_sep2_requires(site):
    def lookup(name: str) -> dict:
        status, headers, body = site.server.get(site.ca, f"/federation?type=name&q={name}%2A{site.domain}")
        assert status == 200, body
        return json.loads(body)

    alice = lookup("alice")
    assert (alice["account_id"], alice["memo_type"], alice["memo"]) == (ALICE, "text", "hello world")
    carol = lookup("carol")
    assert (carol["account_id"], carol["memo_type"], carol["memo"]) == (CAROL, "hash", HASH_MEMO)
    assert len(base64.b64decode(carol["memo"])) == 32
    assert "memo" not in json.loads(site.server.get(site.ca, "/federation?type=name&q=alice*example.org", host="example.org")[2])


def header_lines(output: bytes) -> dict[str, str]:
    lines = output.decode().split("\r\n")
    return {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:] if ":" in line)}


@pytest.mark.parametrize("path", [
    "/.well-known/stellar.toml", "/stellar.txt", "/federation?type=name&q=bob*{domain}",
    "/federation?type=name&q=nobody*{domain}", "/federation", "/no-such-page",
])
def test_curl_head_shows_cors_without_origin(site, path):
    """The operators' own check (SEP-1, the 2014 stellar.txt docs): `curl --head` sends no Origin header."""
    result = site.server.curl("--head", f"https://localhost:{site.port}{path.format(domain=site.domain)}", ca_file=site.ca)
    assert result.returncode == 0, result.stderr
    headers = header_lines(result.stdout)
    assert headers.get(CORS[0]) == CORS[1], result.stdout
    assert headers.get(HSTS[0]) == HSTS[1]


def test_discovery_file_headers(site):
    status, headers, body = site.server.get(site.ca, "/.well-known/stellar.toml")
    assert status == 200
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert headers["cache-control"] == "max-age=300"
    assert headers[CORS[0]] == CORS[1] and headers[HSTS[0]] == HSTS[1]
    status, again, body = site.server.get(site.ca, "/.well-known/stellar.toml",
                                          headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and again["etag"] == headers["etag"]
    status, headers, body = site.server.get(site.ca, f"/federation?type=name&q=bob*{site.domain}")
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("host", ["stellar.example.org", "example.org", "www.example.org"])
@pytest.mark.parametrize("path", ["/stellar.txt", "/.well-known/stellar.txt"])
def test_stellar_txt_for_each_legacy_host(site, host, path):
    """The 2014 client tried stellar.DOMAIN, DOMAIN and www.DOMAIN, and broke on CR LF."""
    result = site.server.curl("-i", f"https://{host}:{site.port}{path}", ca_file=site.ca, host=host)
    assert result.returncode == 0, result.stderr
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n")[0]
    assert b"\r" not in body
    text = body.decode()
    assert "[federation_url]\nhttps://example.org/federation\n" in text
    assert "[reverse_federation_url]\nhttps://example.org/federation\n" in text
    assert header_lines(head + b"\r\n")[CORS[0]] == "*"


def test_stellar_toml_is_never_a_redirect(site):
    for host in ["example.org", "www.example.org"]:
        result = site.server.curl("-i", f"https://{host}:{site.port}/.well-known/stellar.toml", ca_file=site.ca, host=host)
        assert result.stdout.startswith(b"HTTP/1.1 200"), result.stdout[:200]
        assert b'FEDERATION_SERVER = "https://example.org/federation"' in result.stdout


def test_options_preflight_and_head(site):
    result = site.server.curl("-i", "-X", "OPTIONS", "-H", "Origin: https://wallet.example",
                              "-H", "Access-Control-Request-Method: GET",
                              "-H", "Access-Control-Request-Headers: x-client-name",
                              f"https://localhost:{site.port}/federation", ca_file=site.ca)
    headers = header_lines(result.stdout.partition(b"\r\n\r\n")[0] + b"\r\n")
    assert result.stdout.startswith(b"HTTP/1.1 204")
    assert headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert headers["access-control-allow-headers"] == "x-client-name"
    assert headers[CORS[0]] == "*"
    status, head_headers, body = site.server.get(site.ca, "/.well-known/stellar.toml", method="HEAD")
    _, get_headers, get_body = site.server.get(site.ca, "/.well-known/stellar.toml")
    assert status == 200 and body == b""
    assert head_headers["content-length"] == str(len(get_body)) == get_headers["content-length"]


def test_legacy_2014_protocol(site):
    status, headers, body = site.server.get(
        site.ca, f"/federation?type=federation&destination=bob&user=bob&domain={site.domain}")
    assert status == 200 and headers[CORS[0]] == "*"
    reply = json.loads(body)
    assert reply["result"] == "success"
    assert reply["federation_json"]["destination_address"] == BOB
    assert reply["federation_json"]["domain"] == site.domain
    status, _, body = site.server.get(site.ca, f"/?type=federation&user=nobody&domain={site.domain}")
    assert status == 404 and json.loads(body)["error"] == "noSuchUser"


def test_unknown_host_is_a_json_404_not_a_redirect(site):
    status, headers, body = site.server.get(site.ca, "/.well-known/stellar.toml", host="localhost",
                                            headers={"Host": "unknown.example"})
    assert status == 404
    assert headers[CORS[0]] == "*" and headers[HSTS[0]] == HSTS[1]
    assert "location" not in headers
    assert "unknown.example" in json.loads(body)["error"]


def test_lookups_and_certificate_expiry_are_in_the_metrics(site):
    def counted(result: str) -> float:
        text = site.server.control("/metrics")[1].decode()
        return metric(text, "fedns_federation_lookups_total", type="name", result=result) or 0

    found, missing = counted("found"), counted("not_found")
    assert site.server.get(site.ca, f"/federation?type=name&q=bob*{site.domain}")[0] == 200
    assert site.server.get(site.ca, f"/federation?type=name&q=nobody*{site.domain}")[0] == 404
    assert (counted("found"), counted("not_found")) == (found + 1, missing + 1)
    # The fixture's certificates are valid for 10 days; the soonest expiry is reported.
    days = metric(site.server.control("/metrics")[1].decode(), "fedns_tls_certificate_days_left")
    assert 9 < days <= 10


def test_embedded_demo_serves_federation(tmp_path):
    """`fedns serve` with no arguments also serves HTTPS with the demo certificate (README)."""
    demo_ca = Path(__file__).resolve().parents[2] / "Resources" / "demo" / "tls" / "demo-ca.pem"
    environment = {**os.environ, "HOME": str(tmp_path)}   # the demo's address book goes under HOME
    process = subprocess.Popen([FEDNS_BIN, "serve"], cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        added = subprocess.run([FEDNS_BIN, "federation", "add", "bob*localhost:8443", BOB, "--memo-type", "id",
                                "--memo", "42"], env=environment, capture_output=True, text=True, timeout=30)
        assert added.returncode == 0, added.stderr
        url = "https://localhost:8443/federation?type=name&q=bob*localhost:8443"
        deadline = time.monotonic() + 20
        reply = None
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read().decode()
            result = subprocess.run(["curl", "-sS", "--cacert", str(demo_ca), url], capture_output=True, timeout=10)
            if result.returncode == 0 and b"account_id" in result.stdout:
                reply = json.loads(result.stdout)
                break
            time.sleep(0.2)
        assert reply is not None and reply["account_id"] == BOB
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(15) == 0


def test_sighup_rereads_the_operators_stellar_toml(tmp_path):
    pki = PKI(tmp_path / "pki")
    root = pki.root("Toml Root")
    leaf = pki.issue("localhost", root, ["localhost"])
    extra = tmp_path / "extra.toml"
    extra.write_text('NETWORK_PASSPHRASE = "Test SDF Network ; September 2015"\n')
    server = FederationServer(
        tmp_path / "fedns", certificates=[(pki.write("c.pem", leaf), pki.write_key("k.pem", leaf))],
        ca_file=pki.write("ca.pem", root), domains=["localhost"], federation_extra=f'stellar_toml = "{extra}"\n')
    server.start()
    ca = pki.directory / "ca.pem"
    try:
        def toml() -> str:
            return server.get(ca, "/.well-known/stellar.toml")[2].decode()

        assert 'NETWORK_PASSPHRASE = "Test SDF Network ; September 2015"' in toml()
        extra.write_text('NETWORK_PASSPHRASE = "Public Global Stellar Network ; September 2015"\n')
        server.process.send_signal(signal.SIGHUP)
        server.wait_until(lambda: "Public Global" in toml(), 10, "stellar.toml reloaded")

        # A broken file is refused and the served one stays.
        extra.write_text('TRANSFER_SERVER = "http://insecure.example/sep6"\n')
        server.process.send_signal(signal.SIGHUP)
        server.wait_until(lambda: "stellar.toml not reloaded" in server.log_text(), 10, "the refusal logged")
        assert "Public Global" in toml() and "insecure" not in toml()
    finally:
        assert server.stop() == 0
