"""The address book behind the endpoint, changed with `fedns federation` while the server runs: changes are served
within a second without a restart, imports are all or nothing, and two replicas share one PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from fedfixtures import site  # noqa: F401 - the fixture
from fedhttps import ALICE, BOB, CAROL, PKI, FederationServer, PostgresServer, seconds_until
from fednsproc import FEDNS_BIN


def lookup(server: FederationServer, ca, query: str) -> tuple[int, dict]:
    status, _, body = server.get(ca, f"/federation?{query}")
    return status, json.loads(body)


def test_add_and_remove_are_served_within_a_second(site):
    address = f"dave*{site.domain}"
    added = site.server.cli("add", address, CAROL, "--memo-type", "text", "--memo", "rent")
    assert added.returncode == 0, added.stderr
    assert "added" in added.stdout
    assert seconds_until(lambda: lookup(site.server, site.ca, f"type=name&q={address}")[0] == 200) < 1.5
    status, reply = lookup(site.server, site.ca, f"type=name&q={address}")
    assert (reply["account_id"], reply["memo_type"], reply["memo"]) == (CAROL, "text", "rent")

    updated = site.server.cli("add", address, ALICE, "--update")
    assert updated.returncode == 0 and "updated" in updated.stdout
    assert seconds_until(lambda: lookup(site.server, site.ca, f"type=name&q={address}")[1].get("account_id") == ALICE) < 1.5

    removed = site.server.cli("remove", address.upper().replace(site.domain.upper(), site.domain))
    assert removed.returncode == 0, removed.stderr
    assert seconds_until(lambda: lookup(site.server, site.ca, f"type=name&q={address}")[0] == 404) < 1.5


def test_list_text_and_json(site):
    listed = site.server.cli("list", "--domain", site.domain)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"alice*{site.domain}") and lines[0].endswith("text hello world")
    assert any(line.startswith(f"bob*{site.domain}") and BOB in line and line.endswith("id 42") for line in lines)
    assert not any("example.org" in line for line in lines)
    entries = json.loads(site.server.cli("list", "--json").stdout)
    assert {"address": "alice*example.org", "account_id": ALICE} in entries
    assert {"address": f"bob*{site.domain}", "account_id": BOB, "memo_type": "id", "memo": "42"} in entries


def test_a_bad_import_changes_nothing_and_names_every_bad_line(site):
    before = site.server.cli("export").stdout
    bad = site.server.workdir / "bad.csv"
    bad.write_text(
        "address,account_id,memo_type,memo\n"
        f"erin*{site.domain},{ALICE},,\n"
        f"frank*{site.domain},GNOTANACCOUNT,,\n"
        f"bob*{site.domain},{CAROL},id,-1\n"
        f"erin*{site.domain},{ALICE},,\n")
    result = site.server.cli("import", str(bad))
    assert result.returncode != 0
    assert "nothing was imported" in result.stderr
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert [problem.split(":")[0] for problem in problems] == ["line 3", "line 4", "line 5"], result.stderr
    assert "already on line 2" in problems[2]
    assert site.server.cli("export").stdout == before
    time.sleep(0.7)   # longer than the server's poll: it still serves the old book
    assert lookup(site.server, site.ca, f"type=name&q=erin*{site.domain}")[0] == 404
    assert lookup(site.server, site.ca, f"type=name&q=bob*{site.domain}")[1]["account_id"] == BOB


def test_json_import_and_export_round_trip(site, tmp_path):
    book = tmp_path / "more.json"
    book.write_text(json.dumps([
        {"address": f"gina*{site.domain}", "account_id": ALICE, "memo_type": "id", "memo": "7"},
        {"address": f"hal*{site.domain}", "account_id": CAROL, "memo_type": None, "memo": None},
    ]))
    result = site.server.cli("import", str(book))
    assert result.returncode == 0, result.stderr
    assert "2 added" in result.stdout
    exported = tmp_path / "exported.csv"
    exported.write_text(site.server.cli("export", "--domain", site.domain).stdout)
    again = site.server.cli("import", str(exported))
    assert again.returncode == 0 and "0 added, 0 updated" in again.stdout, again.stdout
    assert seconds_until(lambda: lookup(site.server, site.ca, f"type=name&q=gina*{site.domain}")[0] == 200) < 1.5
    for name in ("gina", "hal"):
        assert site.server.cli("remove", f"{name}*{site.domain}").returncode == 0


@pytest.mark.parametrize("arguments, mentions", [
    (["add", "no-star", BOB], "the '*' is missing"),
    (["add", "x*example.org", "GABC"], "not a Stellar account ID"),
    (["add", "x*example.org", BOB, "--memo-type", "id", "--memo", "abc"], "memo"),
    (["add", "alice*example.org", BOB], "already exists"),
    (["remove", "nobody*example.org"], "is not in the address book"),
    (["import", "/nonexistent/book.csv"], "cannot read it"),
    (["list", "--domain", "bad domain"], "--domain"),
])
def test_cli_failures_exit_non_zero_with_one_reason(site, arguments, mentions):
    result = site.server.cli(*arguments)
    assert result.returncode != 0
    assert mentions in result.stderr, result.stderr
    assert result.stdout == ""


def test_cli_without_a_federation_section(tmp_path):
    config = tmp_path / "fedns.toml"
    config.write_text('[discovery]\nsource = "file"\nfile = "i.json"\n')
    result = subprocess.run([FEDNS_BIN, "federation", "list", "--config", str(config)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "has no [federation] section" in result.stderr


def test_two_replicas_share_one_postgresql_database(tmp_path):
    postgres = PostgresServer(tmp_path / "postgres").start()
    replicas: list[FederationServer] = []
    try:
        store = postgres.create_database("federation")
        pki = PKI(tmp_path / "pki")
        root = pki.root("Replica Root")
        leaf = pki.issue("localhost", root, ["localhost"])
        certificate = (pki.write("cert.pem", leaf), pki.write_key("key.pem", leaf))
        ca = pki.write("ca.pem", root)
        for index in range(2):
            replica = FederationServer(tmp_path / f"replica-{index}", certificates=[certificate], ca_file=ca,
                                       domains=["example.org", "localhost"], store=store)
            replicas.append(replica.start())

        added = replicas[0].cli("add", "zoe*example.org", BOB, "--memo-type", "id", "--memo", "9")
        assert added.returncode == 0, added.stderr
        for replica in replicas:
            assert seconds_until(lambda: lookup(replica, ca, "type=name&q=zoe*example.org")[0] == 200) < 1.5
        assert replicas[1].cli("remove", "zoe*example.org").returncode == 0
        for replica in replicas:
            assert seconds_until(lambda: lookup(replica, ca, "type=name&q=zoe*example.org")[0] == 404) < 1.5
        for replica in replicas:
            assert "secret" not in replica.log_text()
    finally:
        for replica in replicas:
            replica.stop()
        postgres.stop()
