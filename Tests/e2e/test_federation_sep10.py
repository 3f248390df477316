"""SEP-10 sign-in and self-service addresses end to end, with the Python stellar-sdk as the client: it reads our
stellar.toml and challenges, signs them with a random keypair, and resolves the address the account claimed. Also
the stellar.toml checks (`fedns check-config`, `fedns federation check`) against our server and a broken one."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from stellar_sdk import Account, Keypair, Network, TransactionBuilder, TransactionEnvelope
from stellar_sdk.sep import federation, stellar_toml
from stellar_sdk.sep.exceptions import BadFederationResponseError
from stellar_sdk.sep.stellar_web_authentication import (
    read_challenge_transaction,
    verify_challenge_transaction_signed_by_client_master_key,
)

from fedhttps import BOB, PKI, FederationServer, PostgresServer
from fednsproc import FEDNS_BIN, free_port

NETWORK = Network.TESTNET_NETWORK_PASSPHRASE


def write_secret(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def auth_config(seed: Path, secret: Path, *, per_ip: int = 10_000, self_service: str = "") -> str:
    return (
        "\n[federation.auth]\n"
        f'signing_key_file = "{seed}"\n'
        f'network_passphrase = "{NETWORK}"\n'
        f'jwt_secret_file = "{secret}"\n'
        f"requests_per_minute_per_ip = {per_ip}\n"
        "requests_per_minute_per_account = 10000\n"
        f"\n[federation.self_service]\n{self_service}"
    )


class Site:
    """A fedns with SEP-10 (and self-service when asked) on, its CA, and the SDK-side helpers. `identity` shares
    another site's keys and certificate, as replicas of one service do."""

    def __init__(self, workdir: Path, *, per_ip: int = 10_000, self_service: str = "", federation_keys: str = "",
                 store: str | None = None, domains: list[str] | None = None, identity: "Site | None" = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        if identity:
            self.pki, self.ca, self.certificate = identity.pki, identity.ca, identity.certificate
            self.server_key, self.seed, self.secret = identity.server_key, identity.seed, identity.secret
        else:
            self.pki = PKI(workdir / "pki")
            root = self.pki.root("SEP-10 Root")
            leaf = self.pki.issue("localhost", root, ["localhost", "example.org"])
            self.ca = self.pki.write("ca.pem", root)
            self.certificate = (self.pki.write("cert.pem", leaf), self.pki.write_key("key.pem", leaf))
            self.server_key = Keypair.random()
            self.seed = write_secret(workdir / "sep10.seed", self.server_key.secret + "\n")
            self.secret = write_secret(workdir / "jwt.secret", base64.b64encode(os.urandom(48)).decode() + "\n")
        self.port = free_port(socket.SOCK_STREAM)
        self.domain = f"localhost:{self.port}"
        self.base = f"https://{self.domain}"
        self.server = FederationServer(
            workdir / "fedns", certificates=[self.certificate], ca_file=self.ca,
            domains=domains or [self.domain, "example.org"], https_port=self.port, store=store,
            federation_extra=federation_keys + auth_config(self.seed, self.secret, per_ip=per_ip, self_service=self_service))

    def http(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.base + path, verify=str(self.ca), timeout=10, **kwargs)

    def challenge(self, account: str, **params) -> str:
        reply = self.http("GET", "/auth", params={"account": account, **params})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["network_passphrase"] == NETWORK
        return body["transaction"]

    def signed(self, client: Keypair, *signers: Keypair, **params) -> str:
        envelope = TransactionEnvelope.from_xdr(self.challenge(client.public_key, **params), NETWORK)
        for signer in signers or (client,):
            envelope.sign(signer)
        return envelope.to_xdr()

    def token(self, client: Keypair, **params) -> str:
        reply = self.http("POST", "/auth", json={"transaction": self.signed(client, **params)})
        assert reply.status_code == 200, reply.text
        return reply.json()["token"]

    def records(self, method: str, address: str | None = None, token: str | None = None, **kwargs) -> requests.Response:
        path = "/federation/records" + (f"/{address}" if address else "")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http(method, path, headers=headers, **kwargs)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("sep10"), self_service='enabled = true\nreserved = ["admin"]\n')
    site.server.start()
    yield site
    assert site.server.stop() == 0, site.server.log_text()


@pytest.fixture
def sdk_trusts_test_ca(site, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(site.ca))


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_stellar_toml_publishes_the_sep10_keys(site, sdk_trusts_test_ca):
    toml = stellar_toml.fetch_stellar_toml(site.domain)
    assert toml["WEB_AUTH_ENDPOINT"] == f"{site.base}/auth"
    assert toml["SIGNING_KEY"] == site.server_key.public_key
    assert toml["NETWORK_PASSPHRASE"] == NETWORK
    assert toml["FEDERATION_SERVER"] == f"{site.base}/federation"


def test_the_sdk_reads_our_challenges(site):
    client = Keypair.random()
    xdr = site.challenge(client.public_key)
    before = int(time.time())
    challenge = read_challenge_transaction(xdr, site.server_key.public_key, site.domain, site.domain, NETWORK)
    assert challenge.client_account_id == client.public_key
    assert challenge.matched_home_domain == site.domain
    bounds = challenge.transaction.transaction.preconditions.time_bounds
    assert bounds.max_time - bounds.min_time == 300 and abs(bounds.min_time - before) <= 2
    # Another home domain served here, asked for by name: its WEB_AUTH_ENDPOINT is https://example.org/auth.
    other = site.challenge(client.public_key, home_domain="example.org")
    read = read_challenge_transaction(other, site.server_key.public_key, "example.org", "example.org", NETWORK)
    assert read.matched_home_domain == "example.org"
    # Signed by the client, the SDK's own full check passes as well.
    signed = TransactionEnvelope.from_xdr(xdr, NETWORK)
    signed.sign(client)
    verify_challenge_transaction_signed_by_client_master_key(
        signed.to_xdr(), site.server_key.public_key, site.domain, site.domain, NETWORK)


def test_sign_in_claim_resolve_and_release(site, sdk_trusts_test_ca):
    client, stranger = Keypair.random(), Keypair.random()
    token = site.token(client)
    claims = jwt_claims(token)
    assert (claims["sub"], claims["iss"], claims["aud"]) == (client.public_key, f"{site.base}/auth", site.domain)
    assert claims["exp"] - claims["iat"] == 3600 and len(claims["jti"]) == 64

    address = f"alice*{site.domain}"
    claimed = site.records("PUT", address, token, json={"memo_type": "id", "memo": "7"})
    assert claimed.status_code == 201, claimed.text
    assert claimed.json() == {"stellar_address": address, "account_id": client.public_key, "memo_type": "id", "memo": "7"}
    assert claimed.headers["Access-Control-Allow-Origin"] == "*" and claimed.headers["Cache-Control"] == "no-store"

    # Served at once, to the SDK, through stellar.toml and FEDERATION_SERVER.
    record = federation.resolve_stellar_address(address)
    assert (record.account_id, record.memo_type, record.memo) == (client.public_key, "id", "7")
    assert federation.resolve_account_id(client.public_key, domain=site.domain).stellar_address == address
    listed = site.records("GET", token=token)
    assert listed.status_code == 200
    assert [entry["stellar_address"] for entry in listed.json()["records"]] == [address]

    # Another account can neither take nor release it, nor list this account's addresses.
    other = site.token(stranger)
    taken = site.records("PUT", f"ALICE*{site.domain}", other)
    assert taken.status_code == 409 and "another account" in taken.json()["error"]
    refused = site.records("DELETE", address, other)
    assert refused.status_code == 403 and "another account" in refused.json()["error"]
    assert site.records("GET", token=other, params={"account": client.public_key}).status_code == 403
    assert federation.resolve_stellar_address(address).account_id == client.public_key

    # Its own account releases it; it is gone for the SDK.
    released = site.records("DELETE", address, token)
    assert released.status_code == 200 and released.json() == {"released": address}
    with pytest.raises(BadFederationResponseError) as gone:
        federation.resolve_stellar_address(address)
    assert gone.value.status == 404
    assert site.records("DELETE", address, token).status_code == 404

    # Every change is logged with its account; no token ever reaches the log.
    log = site.server.log_text()
    assert f"self-service address claimed" in log and client.public_key in log and "self-service address released" in log
    assert token not in log and other not in log and token.split(".")[2] not in log


def test_the_operator_sees_and_overrides_self_service_records(site):
    client = Keypair.random()
    token = site.token(client)
    assert site.records("PUT", f"carol*{site.domain}", token).status_code == 201
    listed = site.server.cli("list", "--domain", site.domain)
    assert f"carol*{site.domain}" in listed.stdout and client.public_key in listed.stdout
    assert site.server.cli("remove", f"carol*{site.domain}").returncode == 0
    assert site.records("DELETE", f"carol*{site.domain}", token).status_code == 404


def test_policy_one_address_per_account_reserved_names_and_name_rules(site):
    client = Keypair.random()
    token = site.token(client)
    assert site.records("PUT", f"first*{site.domain}", token).status_code == 201
    second = site.records("PUT", f"second*{site.domain}", token)
    assert second.status_code == 403 and "release one first" in second.json()["error"]
    assert site.records("PUT", f"first*{site.domain}", token, data={"memo_type": "text", "memo": "hi"}).status_code == 200
    assert site.records("PUT", f"Admin*{site.domain}", token).status_code == 403
    assert site.records("PUT", f"ab*{site.domain}", token).status_code == 400
    assert site.records("PUT", f"first*{site.domain}", token, json={"memo_type": "id", "memo": 5}).status_code == 400
    # A token for one home domain changes that domain's addresses only.
    assert site.records("PUT", f"first*example.org", token).status_code == 403
    other_domain = site.token(client, home_domain="example.org")
    assert jwt_claims(other_domain)["aud"] == "example.org"
    assert site.records("PUT", "first*example.org", other_domain).status_code == 201
    assert site.records("PUT", f"first*nowhere.org", token).status_code == 404


def test_replayed_expired_and_wrongly_signed_challenges_are_refused(site):
    client = Keypair.random()
    signed = site.signed(client)
    assert site.http("POST", "/auth", json={"transaction": signed}).status_code == 200
    replay = site.http("POST", "/auth", data={"transaction": signed})  # the form encoding, same challenge
    assert replay.status_code == 401 and "used already" in replay.json()["error"]

    # Expired: a challenge this server's key signed, whose time bounds have passed.
    now = int(time.time())
    builder = TransactionBuilder(Account(site.server_key.public_key, -1), NETWORK, 100)
    builder.add_time_bounds(now - 900, now - 600)
    builder.append_manage_data_op(f"{site.domain} auth", base64.b64encode(os.urandom(48)), source=client.public_key)
    builder.append_manage_data_op("web_auth_domain", site.domain, source=site.server_key.public_key)
    expired = builder.build()
    expired.sign(site.server_key)
    expired.sign(client)
    reply = site.http("POST", "/auth", json={"transaction": expired.to_xdr()})
    assert reply.status_code == 401 and "expired" in reply.json()["error"]

    # Not signed by the client, signed by someone else, or signed by a key that is not this server's.
    for transaction in (site.signed(client, Keypair.random()), TransactionEnvelope.from_xdr(site.challenge(client.public_key), NETWORK).to_xdr()):
        reply = site.http("POST", "/auth", json={"transaction": transaction})
        assert reply.status_code == 400 and "not signed by" in reply.json()["error"] or "neither" in reply.json()["error"]
    forged = TransactionBuilder(Account(client.public_key, -1), NETWORK, 100).add_time_bounds(now, now + 300)
    forged.append_manage_data_op(f"{site.domain} auth", base64.b64encode(os.urandom(48)), source=client.public_key)
    forged_envelope = forged.build()
    forged_envelope.sign(client)
    assert site.http("POST", "/auth", json={"transaction": forged_envelope.to_xdr()}).status_code == 400
    for body in ({}, {"transaction": "not xdr"}, {"transaction": {"x": 1}}):
        reply = site.http("POST", "/auth", json=body)
        assert reply.status_code == 400 and isinstance(reply.json()["error"], str)


def test_tokens_are_checked(site):
    client = Keypair.random()
    token = site.token(client)
    missing = site.records("GET")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    header, payload, mac = token.split(".")
    forged_payload = base64.urlsafe_b64encode(json.dumps({**jwt_claims(token), "sub": BOB}).encode()).rstrip(b"=").decode()
    for bad in (f"{header}.{forged_payload}.{mac}", f"{header}.{payload}.{mac[:-2]}AA", "not-a-token"):
        assert site.records("GET", token=bad).status_code == 401
    none_header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    assert site.records("GET", token=f"{none_header}.{payload}.").status_code == 401


def test_get_auth_errors_are_json_with_cors(site):
    for params in ({}, {"account": "invalid-account"}, {"account": Keypair.random().public_key, "home_domain": "evil.org"}):
        reply = site.http("GET", "/auth", params=params)
        assert reply.status_code == 400
        assert reply.headers["Content-Type"].startswith("application/json")
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
        assert isinstance(reply.json()["error"], str)
    preflight = site.http("OPTIONS", "/federation/records/x*y", headers={
        "Origin": "https://wallet.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.status_code == 204
    assert "PUT" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_fedns_federation_check_passes_our_server(site):
    client = Keypair.random()
    assert site.records("PUT", f"checked*{site.domain}", site.token(client), json={"memo_type": "id", "memo": "1"}).status_code == 201
    result = subprocess.run(
        [FEDNS_BIN, "federation", "check", site.base, "--ca-file", str(site.ca), "--address", f"checked*{site.domain}"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("result: PASS") and ", 0 failed" in lines[-1]
    assert any(line.startswith("PASS  web auth: challenge: SEP-10 challenge") for line in lines), result.stdout
    assert any(line.startswith("PASS  federation: checked*") and "memo" in line for line in lines), result.stdout


def test_rate_limits_answer_429_with_retry_after(tmp_path):
    site = Site(tmp_path / "limited", per_ip=3)
    site.server.start()
    try:
        account = Keypair.random().public_key
        statuses = [site.http("GET", "/auth", params={"account": account}).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = site.http("GET", "/auth", params={"account": account})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        assert "too many requests" in limited.json()["error"]
        assert site.records("GET").status_code == 429  # the same client, another limited path
        assert site.http("GET", "/federation?type=name&q=x*example.org").status_code == 404  # lookups are not limited
    finally:
        assert site.server.stop() == 0, site.server.log_text()


def test_check_config_refuses_readable_key_files_and_bad_stellar_toml(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text("")
    site = Site(tmp_path / "config", federation_keys=f'stellar_toml = "{extra}"\n')
    check = lambda: subprocess.run(  # noqa: E731
        [FEDNS_BIN, "check-config", "--config", str(site.server.config_path)], capture_output=True, text=True, timeout=30)
    result = check()
    assert result.returncode == 0, result.stderr
    os.chmod(site.seed, 0o644)
    result = check()
    assert result.returncode != 0
    assert "federation.auth.signing_key_file" in result.stderr and "chmod 600" in result.stderr
    os.chmod(site.seed, 0o600)
    site.secret.write_text("too short\n")
    result = check()
    assert result.returncode != 0 and "federation.auth.jwt_secret_file" in result.stderr and "at least 32" in result.stderr
    site.secret.write_text(base64.b64encode(os.urandom(48)).decode())

    extra.write_text('[[CURRENCIES]]\ncode = "USD"\nissuer = "GABC"\n[DOCUMENTATION]\nORG_URL = "https://example.org/"\n')
    result = check()
    assert result.returncode != 0
    assert "CURRENCIES[0].issuer" in result.stderr and "[account-id]" in result.stderr
    assert "DOCUMENTATION.ORG_URL" in result.stderr and "[url]" in result.stderr
    extra.write_text('SIGNING_KEY = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"\n')
    result = check()
    assert result.returncode != 0 and "SIGNING_KEY" in result.stderr and "[federation.auth]" in result.stderr
    extra.write_text('[[CURRENCIES]]\ncode = "USD"\nissuer = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"\n')
    result = check()
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "desc is missing" in result.stderr


def test_reload_validates_stellar_toml_and_keeps_the_served_one_when_broken(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text('VERSION = "1"\n')
    site = Site(tmp_path / "reload", federation_keys=f'stellar_toml = "{extra}"\n')
    site.server.start()
    try:
        assert 'VERSION = "1"' in site.http("GET", "/.well-known/stellar.toml").text
        extra.write_text('VERSION = "2"\nHORIZON_URL = "http://horizon.example.org"\n')
        site.server.process.send_signal(signal.SIGHUP)
        site.server.wait_until(lambda: "stellar.toml not reloaded" in site.server.log_text(), 10, "the refused reload")
        assert "HORIZON_URL" in site.server.log_text()
        assert 'VERSION = "1"' in site.http("GET", "/.well-known/stellar.toml").text
        extra.write_text('VERSION = "3"\n')
        site.server.process.send_signal(signal.SIGHUP)
        site.server.wait_until(lambda: 'VERSION = "3"' in site.http("GET", "/.well-known/stellar.toml").text, 10, "the reload")
    finally:
        assert site.server.stop() == 0, site.server.log_text()


class BrokenStellarSite(BaseHTTPRequestHandler):
    """A federation server that gets SEP-1 and SEP-2 wrong in the ways clients trip over."""

    domain = ""

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path.startswith("/.well-known/stellar.toml"):
            body = (f'FEDERATION_SERVER = "https://{self.domain}/federation/"\n'
                    'NETWORK_PASSPHRASE = "My Network"\n[[CURRENCIES]]\ncode = "USD"\nissuer = "GABC"\n').encode()
            self.reply(200, body, {"Content-Type": "text/html"})
        elif self.path.startswith("/federation/?type=name&q=known"):
            body = json.dumps({"stellar_address": "known*x", "account_id": BOB, "memo_type": "id", "memo": 42}).encode()
            self.reply(200, body, {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"})
        elif self.path.startswith("/federation/"):
            self.reply(200, b"{}", {"Content-Type": "application/json", "Cache-Control": "max-age=600"})
        else:
            self.reply(404, b"not found", {})

    def do_HEAD(self):  # noqa: N802
        self.reply(200, b"", {})

    def do_OPTIONS(self):  # noqa: N802
        self.reply(200, b"", {})

    def reply(self, status: int, body: bytes, headers: dict):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_fedns_federation_check_reports_a_broken_server(tmp_path):
    pki = PKI(tmp_path / "pki")
    root = pki.root("Broken Root")
    leaf = pki.issue("localhost", root, ["localhost"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.write("cert.pem", leaf), pki.write_key("key.pem", leaf))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BrokenStellarSite)
    port = httpd.server_address[1]
    BrokenStellarSite.domain = f"localhost:{port}"
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        result = subprocess.run(
            [FEDNS_BIN, "federation", "check", f"https://localhost:{port}", "--ca-file", str(pki.write("ca.pem", root)),
             "--address", f"known*localhost:{port}"], capture_output=True, text=True, timeout=60)
    finally:
        httpd.shutdown()
    assert result.returncode == 1, result.stdout + result.stderr
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    expected = ["stellar.toml: GET: Access-Control-Allow-Origin", "stellar.toml: Content-Type", "stellar.toml: FEDERATION_SERVER",
                "stellar.toml: NETWORK_PASSPHRASE", "stellar.toml: CURRENCIES[0].issuer", "federation: unknown name: status",
                "federation: unknown name: Cache-Control", "federation: known*", "memo"]
    for fragment in expected:
        assert any(fragment in line for line in failures), f"{fragment} not reported:\n{result.stdout}"
    assert result.stdout.splitlines()[-1].startswith("result: FAIL")
    unreachable = subprocess.run([FEDNS_BIN, "federation", "check", f"https://localhost:{free_port(socket.SOCK_STREAM)}"],
                                 capture_output=True, text=True, timeout=60)
    assert unreachable.returncode == 2 and "fedns federation check:" in unreachable.stderr


def test_a_challenge_from_one_replica_is_used_once_across_replicas(tmp_path):
    postgres = PostgresServer(tmp_path / "postgres").start()
    replicas: list[Site] = []
    try:
        store = postgres.create_database("federation")
        # One service: the same keys and certificate, one PostgreSQL store, and the plain "localhost" domain, which
        # each replica serves whatever its port.
        first = Site(tmp_path / "a", self_service="enabled = true\n", store=store, domains=["localhost"])
        second = Site(tmp_path / "b", self_service="enabled = true\n", store=store, domains=["localhost"], identity=first)
        replicas += [first, second]
        for replica in replicas:
            replica.server.start()
        client = Keypair.random()
        envelope = TransactionEnvelope.from_xdr(first.challenge(client.public_key), NETWORK)
        envelope.sign(client)
        assert second.http("POST", "/auth", json={"transaction": envelope.to_xdr()}).status_code == 200
        replay = first.http("POST", "/auth", json={"transaction": envelope.to_xdr()})
        assert replay.status_code == 401, replay.text
        token = second.token(client)
        assert first.records("PUT", "zed*localhost", token).status_code == 201
        assert second.records("PUT", "zed*localhost", second.token(Keypair.random())).status_code == 409
        # The other replica serves the claim from the shared store within its poll (500 ms).
        lookup = lambda: second.server.get(first.ca, "/federation?type=name&q=zed*localhost")  # noqa: E731
        second.server.wait_until(lambda: lookup()[0] == 200, 3, "the claim on the other replica")
        assert json.loads(lookup()[2])["account_id"] == client.public_key
    finally:
        for replica in replicas:
            replica.server.stop()
        postgres.stop()
