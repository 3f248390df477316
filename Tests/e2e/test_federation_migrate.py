"""`fedns federation migrate --from sqlite:PATH --to postgres://…` against a real PostgreSQL server: 100,000 records
copied in one transaction and proved (per-domain counts and digests on both sides, checked here independently with
psql and by exporting both books), a re-run that changes nothing, refusals that write nothing, a mismatch injected by
a trigger, and a source written to while it is being copied."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from fedhttps import ALICE, BOB, CAROL, PostgresServer
from fednsproc import FEDNS_BIN

RECORDS = 100_000
DOMAINS = ["example.org", "example.net", "example.com", "pay.example.io"]
ACCOUNTS = [BOB, ALICE, CAROL]


def book_config(directory: Path, store: str) -> Path:
    """A configuration naming only the store: the commands read no certificate."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "fedns.toml"
    path.write_text(f'[federation]\ncertificate = "unused.pem"\nprivate_key = "unused.pem"\n'
                    f'domains = ["example.org"]\nstore = "{store}"\n')
    return path


def federation(config: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([FEDNS_BIN, "federation", *args, "--config", str(config)], capture_output=True, text=True,
                          timeout=timeout)


def migrate(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([FEDNS_BIN, "federation", "migrate", *args], capture_output=True, text=True, timeout=timeout)


def write_book(path: Path, count: int, prefix: str = "user") -> Counter:
    """A CSV of `count` records spread over DOMAINS (ids, texts and no memos); returns the count per domain."""
    per_domain: Counter = Counter()
    with path.open("w") as out:
        out.write("address,account_id,memo_type,memo\n")
        for index in range(count):
            domain = DOMAINS[index % len(DOMAINS)]
            memo = ("id", str(index)) if index % 3 == 0 else ("text", f"invoice {index}") if index % 3 == 1 else ("", "")
            out.write(f"{prefix}{index}*{domain},{ACCOUNTS[index % len(ACCOUNTS)]},{memo[0]},{memo[1]}\n")
            per_domain[domain] += 1
    return per_domain


def sqlite_book(directory: Path, count: int) -> tuple[Path, Path, Counter]:
    """A SQLite book of `count` records made with `fedns federation import`: (file, its configuration, counts)."""
    database = directory / "addresses.db"
    config = book_config(directory, f"sqlite:{database}")
    counts = write_book(directory / "book.csv", count)
    imported = federation(config, "import", str(directory / "book.csv"))
    assert imported.returncode == 0, imported.stderr
    return database, config, counts


def psql(postgres: PostgresServer, database: str, sql: str) -> str:
    """A query over the server's Unix socket (trusted), as a second opinion independent of fedns."""
    result = subprocess.run([os.path.join(postgres.bindir, "psql"), "-h", str(postgres.directory), "-p",
                             str(postgres.port), "-U", "fedns", "-d", database, "-At", "-F", ",", "-c", sql],
                            capture_output=True, text=True, check=True, timeout=120)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    server = PostgresServer(tmp_path_factory.mktemp("postgres")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return sqlite_book(tmp_path_factory.mktemp("big-source"), RECORDS)


def test_100000_records_are_copied_proved_and_a_rerun_is_a_no_op(postgres, big, tmp_path):
    source, source_config, counts = big
    url = postgres.create_database("big")
    started = time.monotonic()
    result = migrate("--from", f"sqlite:{source}", "--to", url)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    print(f"migrated {RECORDS} records in {elapsed:.1f} s")
    assert f"copied {RECORDS} addresses into postgres://fedns@127.0.0.1:{postgres.port}/big" in out
    # The report: every domain with equal counts and equal digests on both sides.
    for domain, count in counts.items():
        assert re.search(rf"^  {re.escape(domain)}\s+{count}\s+{count}\s+([0-9a-f]{{16}})\s+\1\s+ok$", out, re.M), out
    assert re.search(rf"^  all\s+{RECORDS}\s+{RECORDS}\s+ok$", out, re.M), out
    assert f"validation passed: postgres://fedns@127.0.0.1:{postgres.port}/big" in out
    assert "cutover steps:" in out
    assert f'store = "postgres://fedns:PASSWORD@127.0.0.1:{postgres.port}/big?sslmode=disable"' in out
    assert "secret" not in out + result.stderr

    # A second opinion, not fedns's: PostgreSQL's own counts, and both books exported record by record.
    rows = dict(line.split(",") for line in psql(postgres, "big", "SELECT domain, count(*) FROM addresses GROUP BY domain").splitlines())
    assert {domain: int(count) for domain, count in rows.items()} == dict(counts)
    target_config = book_config(tmp_path / "target", url)
    exported = federation(target_config, "export")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == federation(source_config, "export").stdout
    assert exported.stdout.count("\n") == RECORDS + 1

    version = psql(postgres, "big", "SELECT version FROM address_book_state")
    again = migrate("--from", f"sqlite:{source}", "--to", url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"nothing to do: postgres://fedns@127.0.0.1:{postgres.port}/big?sslmode=disable already holds the {RECORDS} " \
           f"addresses of sqlite:{source}" in again.stdout
    assert "copied" not in again.stdout
    assert psql(postgres, "big", "SELECT version FROM address_book_state") == version


def test_a_target_with_records_is_refused_and_a_conflicting_merge_writes_nothing(postgres, tmp_path):
    source, source_config, _ = sqlite_book(tmp_path / "source", 20)
    url = postgres.create_database("taken")
    target = book_config(tmp_path / "target", url)
    assert federation(target, "add", "user0*example.org", CAROL).returncode == 0      # user0 pays BOB in the source
    assert federation(target, "add", "kept*example.org", ALICE).returncode == 0
    before = federation(target, "export").stdout
    version = psql(postgres, "taken", "SELECT version FROM address_book_state")

    refused = migrate("--from", f"sqlite:{source}", "--to", url)
    assert refused.returncode != 0
    assert "already holds 2 addresses in 1 domains" in refused.stderr and "nothing was written" in refused.stderr
    assert "--merge" in refused.stderr and "--replace" in refused.stderr

    conflicting = migrate("--from", f"sqlite:{source}", "--to", url, "--merge")
    assert conflicting.returncode != 0
    assert "--merge refused, nothing was written: 1 addresses are in both stores" in conflicting.stderr
    assert f"  user0*example.org: source {BOB} memo id 0, target {CAROL} (no memo)" in conflicting.stderr
    assert federation(target, "export").stdout == before
    assert psql(postgres, "taken", "SELECT version FROM address_book_state") == version

    both = migrate("--from", f"sqlite:{source}", "--to", url, "--merge", "--replace")
    assert both.returncode != 0 and "exclude each other" in both.stderr

    replaced = migrate("--from", f"sqlite:{source}", "--to", url, "--replace")
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert "replacing its 2" in replaced.stdout and "validation passed" in replaced.stdout
    assert federation(target, "export").stdout == federation(source_config, "export").stdout


def test_a_merge_keeps_the_targets_other_records(postgres, tmp_path):
    source, source_config, _ = sqlite_book(tmp_path / "source", 12)
    url = postgres.create_database("merged")
    target = book_config(tmp_path / "target", url)
    assert federation(target, "add", "kept*example.org", ALICE).returncode == 0
    merged = migrate("--from", f"sqlite:{source}", "--to", url, "--merge")
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert re.search(r"^  example\.org\s+3\s+4\s+.*ok \(\+1 kept from the target\)$", merged.stdout, re.M), merged.stdout
    listed = federation(target, "list").stdout
    assert "kept*example.org" in listed and listed.count("\n") == 13


def test_a_mismatch_in_the_target_fails_the_migration(postgres, tmp_path):
    source, _, _ = sqlite_book(tmp_path / "source", 40)
    url = postgres.create_database("tampered")
    target = book_config(tmp_path / "target", url)
    assert federation(target, "list").returncode == 0   # creates the schema, for the trigger to attach to
    # Injected: the target silently drops one row and alters another on their way in.
    psql(postgres, "tampered", """
        CREATE FUNCTION tamper() RETURNS trigger AS $$
        BEGIN
            IF NEW.name = 'user5' THEN RETURN NULL; END IF;
            IF NEW.name = 'user9' THEN NEW.account_id := 'GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU'; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER tamper BEFORE INSERT ON addresses FOR EACH ROW EXECUTE FUNCTION tamper();""")
    result = migrate("--from", f"sqlite:{source}", "--to", url)
    assert result.returncode != 0
    assert "validation FAILED after copying 40 addresses" in result.stderr
    out = result.stdout
    assert re.search(r"^  example\.net\s+10\s+9\s+.*MISMATCH$", out, re.M), out      # user5 is in example.net
    assert re.search(r"^  example\.net\s+.*MISMATCH$", out, re.M)
    assert "  user5*example.net: missing in the target" in out
    assert "  user9*example.net: differs in the target (account_id)" in out
    assert re.search(r"^  example\.org\s+10\s+10\s+([0-9a-f]{16})\s+\1\s+ok$", out, re.M), out
    assert "cutover steps:" not in out


def test_a_source_written_during_the_copy_is_detected(postgres, big, tmp_path):
    original, _, _ = big
    source = tmp_path / "busy.db"
    shutil.copy(original, source)
    for suffix in ("-wal", "-shm"):
        if Path(f"{original}{suffix}").exists():
            shutil.copy(f"{original}{suffix}", f"{source}{suffix}")
    source_config = book_config(tmp_path / "source", f"sqlite:{source}")
    url = postgres.create_database("moving")

    # A writer that did not get the word: it keeps adding while the migration runs.
    done = threading.Event()
    added: list[str] = []

    def keep_writing():
        index = 0
        while not done.is_set():
            name = f"straggler{index}*example.org"
            if federation(source_config, "add", name, BOB, timeout=60).returncode == 0:
                added.append(name)
            index += 1

    writer = threading.Thread(target=keep_writing)
    migration = subprocess.Popen([FEDNS_BIN, "federation", "migrate", "--from", f"sqlite:{source}", "--to", url],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    writer.start()
    try:
        out, err = migration.communicate(timeout=600)
    finally:
        done.set()
        writer.join()
    assert migration.returncode != 0, out + err
    assert "the source changed during the copy (version" in out, out + err
    assert "added to the source during the copy" in out
    assert "validation FAILED" in err and "stop every writer of sqlite:" in err and "--replace" in err
    assert "cutover steps:" not in out
    assert added, "the writer never wrote"
