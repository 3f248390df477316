"""The federation site most end-to-end tests share: a test CA with an intermediate, an RSA server certificate for
localhost and example.org (with www. and stellar.), an ECDSA one from another root for example.net, and an address
book seeded through `fedns federation import`."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from fedhttps import ALICE, BOB, CAROL, PKI, FederationServer
from fednsproc import free_port

EXAMPLE_ORG_NAMES = ["localhost", "example.org", "www.example.org", "stellar.example.org"]
HASH_MEMO = "3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho="


@dataclass
class Site:
    server: FederationServer
    pki: PKI
    ca: Path          # both roots
    domain: str       # localhost:PORT, the domain stellar-sdk reaches
    port: int


def seed(server: FederationServer, domain: str) -> None:
    book = server.workdir / "seed.csv"
    book.write_text(
        "address,account_id,memo_type,memo\n"
        f"bob*{domain},{BOB},id,42\n"
        f"alice*{domain},{ALICE},text,hello world\n"
        f"carol*{domain},{CAROL},hash,{HASH_MEMO}\n"
        f"alice*example.org,{ALICE},,\n")
    result = server.cli("import", str(book))
    assert result.returncode == 0, result.stderr


def seeded_localhost(workdir: Path, root_name: str, federation_extra: str) -> tuple[FederationServer, Path]:
    """A seeded server for `localhost` with a certificate from a root of its own, not started; and the root's file."""
    pki = PKI(workdir / "pki")
    root = pki.root(root_name)
    leaf = pki.issue("localhost", root, ["localhost"])
    server = FederationServer(workdir / "fedns", certificates=[(pki.write("c.pem", leaf), pki.write_key("k.pem", leaf))],
                              ca_file=pki.write("ca.pem", root), domains=["localhost"], federation_extra=federation_extra)
    seed(server, "localhost")
    return server, pki.directory / "ca.pem"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    workdir = tmp_path_factory.mktemp("federation")
    pki = PKI(workdir / "pki")
    root, other_root = pki.root("Test Root"), pki.root("Other Root")
    intermediate = pki.issue("Test Intermediate", root)
    leaf = pki.issue("localhost", intermediate, EXAMPLE_ORG_NAMES, rsa_key=True)
    net = pki.issue("example.net", other_root, ["example.net"])
    certificates = [
        (pki.write("site.pem", leaf, intermediate), pki.write_key("site-key.pem", leaf)),
        (pki.write("net.pem", net), pki.write_key("net-key.pem", net)),
    ]
    ca = pki.write("roots.pem", root, other_root)
    port = free_port(socket.SOCK_STREAM)
    domain = f"localhost:{port}"
    server = FederationServer(
        workdir / "fedns", certificates=certificates, ca_file=ca, domains=[domain, "example.org", "example.net"],
        https_port=port)
    seed(server, domain)
    server.start()
    yield Site(server=server, pki=pki, ca=ca, domain=domain, port=port)
    assert server.stop() == 0, server.log_text()
