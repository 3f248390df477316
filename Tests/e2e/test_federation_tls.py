"""TLS of the federation endpoint, checked with openssl s_client and Python's ssl: the strict policy, server cipher
preference, SNI, the served chain, certificate rotation without dropping connections, and broken chains refused
at start."""

from __future__ import annotations

import re
import signal
import socket
import ssl
import time

import pytest

from fedfixtures import site  # noqa: F401 - the fixture
from fedhttps import PKI, FederationServer, peer_issuer


def negotiated(report: str) -> str | None:
    """The cipher s_client agreed on, or None when the handshake failed."""
    for line in report.splitlines():
        if line.startswith("New, ") and "Cipher is" in line:
            cipher = line.rsplit("Cipher is ", 1)[1].strip()
            return None if cipher == "(NONE)" else cipher
    return None


@pytest.mark.parametrize("arguments", [
    ["-tls1_1"],
    ["-tls1"],
    ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"],       # CBC with SHA-1
    ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-SHA384"],    # CBC with SHA-2
    ["-tls1_2", "-cipher", "AES128-GCM-SHA256"],          # AEAD, but static RSA key exchange
])
def test_old_protocols_cbc_and_static_rsa_are_refused(site, arguments):
    report = site.server.s_client(*arguments)
    assert negotiated(report) is None, report


@pytest.mark.parametrize("arguments, cipher", [
    (["-tls1_3"], "TLS_AES_128_GCM_SHA256"),
    (["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], "ECDHE-RSA-AES128-GCM-SHA256"),
    (["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"], "ECDHE-RSA-AES256-GCM-SHA384"),
    (["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"], "ECDHE-RSA-CHACHA20-POLY1305"),
])
def test_modern_suites_are_accepted(site, arguments, cipher):
    report = site.server.s_client(*arguments, ca_file=site.ca)
    got = negotiated(report)
    assert got is not None, report
    if arguments[0] == "-tls1_2":
        assert got == cipher
    assert "Verify return code: 0 (ok)" in report, report


def test_server_cipher_preference(site):
    """The client offers ChaCha20 first and AES-GCM second; the server's order wins."""
    report = site.server.s_client("-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256")
    assert negotiated(report) == "ECDHE-RSA-AES128-GCM-SHA256", report


def test_chain_includes_the_intermediate(site):
    """A client that trusts only the root verifies the chain: the intermediate is served."""
    report = site.server.s_client("-showcerts", ca_file=site.pki.directory / "roots.pem")
    assert "Verify return code: 0 (ok)" in report, report
    assert report.count("-----BEGIN CERTIFICATE-----") == 2


@pytest.mark.parametrize("server_name, issuer", [
    ("localhost", "Test Intermediate"),
    ("example.org", "Test Intermediate"),
    ("example.net", "Other Root"),
    ("unknown.test", "Test Intermediate"),   # the first certificate is the default
])
def test_sni_picks_the_certificate(site, server_name, issuer):
    context = ssl.create_default_context(cafile=str(site.ca))
    context.check_hostname = False
    with socket.create_connection(("127.0.0.1", site.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            from cryptography import x509
            from cryptography.x509.oid import NameOID
            certificate = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
            assert certificate.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == issuer


def make_rotating_server(tmp_path, root_name: str) -> tuple[FederationServer, PKI, object]:
    """A server whose ca_file (trust.pem) names every root the test issues from, as a private CA's would."""
    pki = PKI(tmp_path / "pki")
    first = pki.root(root_name)
    leaf = pki.issue("localhost", first, ["localhost"])
    server = FederationServer(
        tmp_path / "fedns", certificates=[(pki.write("cert.pem", leaf), pki.write_key("key.pem", leaf))],
        ca_file=pki.write("trust.pem", first), domains=["example.org"])
    return server, pki, first


def rotate(pki: PKI, root_name: str, *trusted):
    """New files from a new root, trusted first, then key and certificate (the watcher waits for them to settle)."""
    root = pki.root(root_name)
    pki.write("trust.pem", *trusted, root)
    leaf = pki.issue("localhost", root, ["localhost"])
    pki.write_key("key.pem", leaf)
    pki.write("cert.pem", leaf)
    return root


def test_rotation_keeps_connections_and_reaches_new_handshakes(tmp_path):
    server, pki, first = make_rotating_server(tmp_path, "Root One")
    trust = pki.directory / "trust.pem"
    server.start()
    try:
        kept = server.connection(trust)
        assert ask(kept) == 200
        assert peer_issuer(kept) == "Root One"

        # 1. SIGHUP.
        second = rotate(pki, "Root Two", first)
        server.process.send_signal(signal.SIGHUP)
        server.wait_until(lambda: peer_issuer(fresh_connection(server, trust)) == "Root Two", 10, "SIGHUP reload")
        assert ask(kept) == 200, "the open connection was dropped by the reload"

        # 2. The files change; no signal.
        rotate(pki, "Root Three", first, second)
        started = time.monotonic()
        server.wait_until(lambda: peer_issuer(fresh_connection(server, trust)) == "Root Three", 15, "file-change reload")
        assert time.monotonic() - started < 10
        assert ask(kept) == 200
        assert peer_issuer(kept) == "Root One"   # still the handshake it started with

        # 3. A broken file: logged, and the certificate in use stays.
        (pki.directory / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n")
        server.process.send_signal(signal.SIGHUP)
        server.wait_until(lambda: "TLS certificates not reloaded" in server.log_text(), 10, "the reload error logged")
        assert peer_issuer(fresh_connection(server, trust)) == "Root Three"
        kept.close()
    finally:
        assert server.stop() == 0, server.log_text()


def ask(connection) -> int:
    """One request on the connection as it is (kept alive); the status."""
    connection.request("GET", "/stellar.txt", headers={"Host": "example.org"})
    response = connection.getresponse()
    response.read()
    return response.status


def fresh_connection(server: FederationServer, trust):
    connection = server.connection(trust)
    ask(connection)
    return connection


def test_doctor_checks_the_certificates_and_warns_before_they_expire(tmp_path):
    pki = PKI(tmp_path / "pki")
    root = pki.root("Root")
    ca = pki.write("ca.pem", root)
    for valid_days, verdict in [(25, "ok"), (5, "FAIL")]:
        leaf = pki.issue("localhost", root, ["localhost", "example.org"], valid_days=valid_days)
        server = FederationServer(
            tmp_path / f"fedns-{valid_days}",
            certificates=[(pki.write(f"c{valid_days}.pem", leaf), pki.write_key(f"k{valid_days}.pem", leaf))],
            ca_file=ca, domains=["example.org"])
        assert server.run_cli("check-config", "--config", str(server.config_path)).returncode == 0
        doctor = server.run_cli("doctor", "--config", str(server.config_path))
        line = next((text for text in doctor.stdout.splitlines() if re.match(r"^\S+\s+tls\b", text)), "")
        assert line.startswith(verdict), doctor.stdout
        assert ("expires in" in line) == (verdict == "FAIL"), line
    # A domain that no certificate names.
    leaf = pki.issue("localhost", root, ["localhost"])
    server = FederationServer(
        tmp_path / "fedns-uncovered", certificates=[(pki.write("u.pem", leaf), pki.write_key("u-key.pem", leaf))],
        ca_file=ca, domains=["example.net"])
    doctor = server.run_cli("doctor", "--config", str(server.config_path))
    assert re.search(r"^FAIL\s+tls\s+no certificate names example.net", doctor.stdout, re.M), doctor.stdout


@pytest.mark.parametrize("problem, mentions", [
    ("missing intermediate", "is missing intermediate certificates"),
    ("expired", "expired on"),
    ("not yet valid", "is not valid before"),
    ("key mismatch", "(key mismatch)"),
    ("out of order", "is out of order"),
])
def test_start_refuses_a_broken_chain(tmp_path, problem, mentions):
    pki = PKI(tmp_path / "pki")
    root = pki.root("Root")
    intermediate = pki.issue("Intermediate", root)
    leaf = {
        "expired": lambda: pki.issue("localhost", intermediate, ["localhost"], starts_in_days=-10, valid_days=-1),
        "not yet valid": lambda: pki.issue("localhost", intermediate, ["localhost"], starts_in_days=2),
    }.get(problem, lambda: pki.issue("localhost", intermediate, ["localhost"]))()
    chain = {"missing intermediate": [leaf], "out of order": [intermediate, leaf]}.get(problem, [leaf, intermediate])
    key_owner = pki.issue("other", intermediate, ["localhost"]) if problem == "key mismatch" else leaf
    certificate = pki.write("chain.pem", *chain)
    server = FederationServer(
        tmp_path / "fedns", certificates=[(certificate, pki.write_key("key.pem", key_owner))],
        ca_file=pki.write("ca.pem", root), domains=["example.org"])
    # check-config and doctor refuse what serve refuses, in the same words.
    checked = server.run_cli("check-config", "--config", str(server.config_path))
    assert checked.returncode == 1 and mentions in checked.stderr, checked.stdout + checked.stderr
    doctor = server.run_cli("doctor", "--config", str(server.config_path))
    assert doctor.returncode == 1
    assert re.search(rf"^FAIL\s+tls\s.*{re.escape(mentions)}", doctor.stdout, re.M), doctor.stdout
    server.start(wait=False)
    assert server.process.wait(30) != 0
    server.stop()
    log = server.log_text()
    assert mentions in log, log
    assert str(certificate) in log or str(pki.directory / "key.pem") in log
