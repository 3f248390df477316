"""Nothing lost: kill -9 at random moments (a short run of crashsafety.py's scenarios; bench/crash/run.sh runs 200
and more), and a full disk under the snapshot and under the SQLite address book."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest

import crashsafety
from crashsafety import ACCOUNTS, FakeEC2, Site, book, query_a, serve_config, snapshot_generation
from fedfixtures import HASH_MEMO
from fednsproc import free_port, wait_until


@pytest.fixture(autouse=True)
def seeded():
    random.seed(int(os.environ.get("FEDNS_CRASH_SEED", "15")))


def test_an_import_killed_at_random_moments_leaves_the_book_before_or_after(tmp_path):
    result = crashsafety.import_trials(tmp_path, trials=4)
    assert result["before"] + result["after"] + result["finished"] == 4, result


def test_add_and_remove_bursts_killed_at_random_moments_lose_nothing(tmp_path):
    result = crashsafety.burst_trials(tmp_path, trials=3)
    assert sum(v for k, v in result.items() if k.endswith(("killed", "finished"))) == 3, result


def test_snapshot_writes_killed_at_random_moments_leave_a_whole_snapshot(tmp_path):
    result = crashsafety.snapshot_trials(tmp_path, trials=3)
    assert result["killed"] == 3 and result["generations_seen"] == 3, result


class Tmpfs:
    """A small tmpfs mounted for the test (the tests run as root)."""

    def __init__(self, path: Path, size: str):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, f"cannot mount a tmpfs (the tests run as root): {done.stderr}"

    def fill(self) -> None:
        """Takes every free byte."""
        subprocess.run(["dd", "if=/dev/zero", f"of={self.path / 'filler'}", "bs=64k"], capture_output=True)

    def free(self) -> None:
        (self.path / "filler").unlink(missing_ok=True)

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


def test_a_full_disk_under_the_snapshot_keeps_the_previous_one_and_serving(tmp_path):
    disk = Tmpfs(tmp_path / "disk", "1m")
    fake = FakeEC2(400)  # a snapshot of about 150 KB
    try:
        snapshot = disk.path / "snapshot.json"
        dns_port = free_port()
        config = serve_config(tmp_path, fake.endpoint, snapshot, dns_port)
        log = tmp_path / "serve.log"
        process = subprocess.Popen([crashsafety.FEDNS_BIN, "serve", "--config", str(config)], stdout=open(log, "wb"),
                                   stderr=subprocess.STDOUT, env={**os.environ, **crashsafety.AWS_ENVIRONMENT})
        try:
            wait_until(lambda: snapshot.exists() and query_a(dns_port, "web-1.ec2."), message="first snapshot written")
            disk.fill()
            written = snapshot_generation(snapshot, 400)
            wait_until(lambda: "cannot write the snapshot" in log.read_text(), message="the failed write reported")
            # The previous file is intact, and the server keeps serving what it refreshes.
            assert snapshot_generation(snapshot, 400) == written
            assert "No space left on device" in log.read_text() or "space" in log.read_text().lower(), log.read_text()[-2000:]
            newest = lambda: query_a(dns_port, "web-7.ec2.")  # noqa: E731
            first = newest()
            wait_until(lambda: newest() != first, message="refreshes still served")
            assert not [p for p in disk.path.iterdir() if p.name.startswith(".snapshot.json.")], "a partial temporary file left"
            assert process.poll() is None
            # Room again: the next refresh writes it.
            disk.free()
            wait_until(lambda: snapshot_generation(snapshot, 400) != written, message="written again once there is room")
        finally:
            process.terminate()
            process.wait(20)
    finally:
        fake.close()
        disk.close()


def test_a_full_disk_under_the_address_book_fails_clearly_and_changes_nothing(tmp_path):
    disk = Tmpfs(tmp_path / "disk", "2m")
    try:
        site = Site(tmp_path / "site")
        # The store on the small disk.
        site.store = disk.path / "addresses.db"
        site.config.write_text(site.config.read_text().replace(str(tmp_path / "site" / "addresses.db"), str(site.store)))
        first = [f"a{i}*{site.domain},{ACCOUNTS[i % 3]},id,{i}" for i in range(200)]
        (tmp_path / "first.csv").write_text("address,account_id,memo_type,memo\n" + "\n".join(first) + "\n")
        assert site.run("import", str(tmp_path / "first.csv")).returncode == 0
        before = book(site.store)
        server = subprocess.Popen([crashsafety.FEDNS_BIN, "serve", "--config", str(site.config)],
                                  stdout=open(tmp_path / "serve.log", "wb"), stderr=subprocess.STDOUT)
        try:
            site.check_served(before, server)
            disk.fill()
            many = [f"b{i}-{'x' * 60}*{site.domain},{ACCOUNTS[i % 3]},hash,{HASH_MEMO}" for i in range(20_000)]
            (tmp_path / "many.csv").write_text("address,account_id,memo_type,memo\n" + "\n".join(many) + "\n")
            imported = site.run("import", str(tmp_path / "many.csv"))
            assert imported.returncode != 0
            assert "full" in imported.stderr.lower() or "space" in imported.stderr.lower(), imported.stderr
            assert str(site.store) in imported.stderr or "sqlite" in imported.stderr.lower(), imported.stderr
            added = site.run("add", f"late*{site.domain}", ACCOUNTS[0])
            if added.returncode != 0:  # one row may still fit in a page SQLite already has
                assert "full" in added.stderr.lower() or "space" in added.stderr.lower(), added.stderr
            disk.free()
            after = book(site.store)
            assert after - before <= {(site.domain, "late", ACCOUNTS[0], None, None)} and before <= after
            # The running server kept serving the book.
            site.check_served(before, server)
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
        finally:
            server.terminate()
            server.wait(20)
        site.serves(before)
    finally:
        disk.close()
