"""Crash safety, nothing lost: `kill -9` at random moments while fedns writes, then the state on disk is checked.

Three scenarios, each run `trials` times:
- import: `fedns federation import` of 100,000 records (every other trial with --replace) over a book of 1,000
  (every one of which the import changes), killed at a random moment: the book is then exactly the book before or
  exactly the book after, compared record by record, and SQLite's integrity check passes;
- burst: `fedns federation add` / `add --update` / `remove` commands one after another, the running one killed at a
  random moment: the book is the result of the commands that finished, plus or minus the one killed, record by
  record;
- snapshot: `fedns serve` refreshing a fleet of 3,000 instances that changes at every refresh (a fake EC2 endpoint),
  killed at a random moment: the snapshot file is one whole snapshot (it parses, and all its instances are of one
  generation of the fleet), and `fedns serve` started again with EC2 unreachable serves it.
After every import and burst trial `fedns serve` starts on the book and answers a lookup of it over HTTPS.

The end-to-end test (test_crash_safety.py) runs a few trials; `bench/crash/run.sh` runs 200 or more and prints the
figures. Usage: python3 crashsafety.py --trials N [--scenario import|burst|snapshot|all] --workdir DIR"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import random
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FEDNS_BIN = os.environ.get("FEDNS_BIN") or str(ROOT / ".build" / "debug" / "fedns")
DEMO_TLS = ROOT / "Resources" / "demo" / "tls"
ACCOUNTS = [
    "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ",
    "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG",
    "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def book(path: Path) -> set[tuple]:
    """Every record of a SQLite address book, as (domain, name, account, memo type, memo)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{path} fails SQLite's integrity check"
        return set(db.execute("SELECT domain, name, account_id, memo_type, memo FROM addresses"))


def copy_book(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.write_bytes(source.read_bytes())


class Site:
    """A configuration with [federation] on the demo certificate (localhost) and a SQLite book in `workdir`."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.https_port = free_port()
        self.dns_port = free_port()
        self.domain = f"localhost:{self.https_port}"
        self.store = workdir / "addresses.db"
        self.config = workdir / "fedns.toml"
        (workdir / "inventory.json").write_text('{"format": 1, "instances": []}')
        self.config.write_text(
            f'[dns]\nlisten = ["127.0.0.1:{self.dns_port}"]\n[control]\nenabled = false\n'
            f'[discovery]\nsource = "file"\nfile = "{workdir / "inventory.json"}"\n'
            f'[federation]\nlisten = "127.0.0.1:{self.https_port}"\ncertificate = "{DEMO_TLS / "localhost.pem"}"\n'
            f'private_key = "{DEMO_TLS / "localhost-key.pem"}"\nca_file = "{DEMO_TLS / "demo-ca.pem"}"\n'
            f'domains = ["{self.domain}"]\nstore = "sqlite:{self.store}"\n')

    def command(self, *args: str) -> list[str]:
        return [FEDNS_BIN, "federation", *args, "--config", str(self.config)]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(*args), capture_output=True, text=True, timeout=600)

    def lookup(self, name: str, domain: str | None = None, timeout: float = 5) -> tuple[int, dict]:
        """A SEP-2 lookup of NAME*DOMAIN over HTTPS: (status, JSON body); raises OSError while nothing listens."""
        context = ssl.create_default_context(cafile=str(DEMO_TLS / "demo-ca.pem"))
        url = f"https://localhost:{self.https_port}/federation?type=name&q={name}*{domain or self.domain}"
        try:
            with urllib.request.urlopen(url, context=context, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {}

    def check_served(self, records: set[tuple], process: subprocess.Popen | None = None, samples: int = 3) -> None:
        """A running server answers lookups of the book: a few of its records, and an unknown name."""
        chosen = random.sample(sorted(records), min(samples, len(records))) + [(self.domain, "nobody-here", None, None, None)]
        for domain, name, account, _, _ in chosen:
            deadline = time.monotonic() + 30
            while True:
                try:
                    status, body = self.lookup(name, domain)
                    break
                except OSError:
                    if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
                        raise AssertionError(f"fedns serve did not serve the book: {(self.workdir / 'serve.log').read_text()[-2000:]}")
                    time.sleep(0.1)
            if account is None:
                assert status == 404, (name, status)
            else:
                assert status == 200 and body["account_id"] == account, (name, status, body)

    def serves(self, records: set[tuple]) -> None:
        """`fedns serve` starts on the book, answers lookups of it, and stops cleanly."""
        log = open(self.workdir / "serve.log", "wb")
        process = subprocess.Popen([FEDNS_BIN, "serve", "--config", str(self.config)], stdout=log, stderr=subprocess.STDOUT)
        try:
            self.check_served(records, process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                raise AssertionError("fedns serve did not stop on SIGTERM")
            log.close()
        assert process.returncode == 0, f"fedns serve exited with {process.returncode}"


def kill_after(process: subprocess.Popen, delay: float) -> bool:
    """SIGKILL `process` after `delay` s unless it ended first; whether it was killed."""
    try:
        process.wait(delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def import_trials(workdir: Path, trials: int, records: int = 100_000) -> dict:
    site = Site(workdir / "import")
    existing = [f"user{i}*{site.domain},{ACCOUNTS[i % 3]},text,old {i}" for i in range(1000)]
    existing += [f"legacy{i}*{site.domain},{ACCOUNTS[0]},," for i in range(100)]
    (site.workdir / "existing.csv").write_text("address,account_id,memo_type,memo\n" + "\n".join(existing) + "\n")
    lines = [f"user{i}*{site.domain},{ACCOUNTS[(i + 1) % 3]},id,{i}" for i in range(records)]
    big = site.workdir / "book.csv"
    big.write_text("address,account_id,memo_type,memo\n" + "\n".join(lines) + "\n")
    pristine = site.workdir / "pristine.db"
    done = site.run("import", str(site.workdir / "existing.csv"))
    assert done.returncode == 0, done.stderr
    subprocess.run(["sqlite3", str(site.store), "PRAGMA wal_checkpoint(TRUNCATE)"], capture_output=True)
    copy_book(site.store, pristine)
    before = book(pristine)
    after: dict[bool, set] = {}
    durations: dict[bool, float] = {}
    for replace in (False, True):
        copy_book(pristine, site.store)
        started = time.monotonic()
        done = site.run("import", str(big), *(["--replace"] if replace else []))
        durations[replace] = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        after[replace] = book(site.store)
        assert after[replace] != before and len(after[replace]) == records + (0 if replace else 100)
    outcomes = {"before": 0, "after": 0, "finished": 0}
    for trial in range(trials):
        replace = trial % 2 == 1
        copy_book(pristine, site.store)
        process = subprocess.Popen(site.command("import", str(big), *(["--replace"] if replace else [])),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        killed = kill_after(process, random.uniform(0, durations[replace] * 1.1))
        state = book(site.store)
        if state == before:
            outcomes["before"] += 1
        elif state == after[replace]:
            outcomes["after" if killed else "finished"] += 1
        else:
            raise AssertionError(
                f"import trial {trial}: the book is neither before nor after: {len(state)} records, "
                f"{len(state - before)} not in before, {len(state - after[replace])} not in after")
        site.serves(state)
    return {"scenario": "import", "trials": trials, "records": records, "import_seconds": round(durations[False], 2), **outcomes}


def burst_trials(workdir: Path, trials: int, commands: int = 12) -> dict:
    site = Site(workdir / "burst")
    assert site.run("add", f"base*{site.domain}", ACCOUNTS[0]).returncode == 0
    outcomes = {"before_killed": 0, "after_killed": 0, "all_finished": 0}
    for trial in range(trials):
        state = {(domain, name.lower()): (domain, name, account, memo_type, memo)
                 for domain, name, account, memo_type, memo in book(site.store)}
        operations = []
        for j in range(commands):
            name = f"b{trial}-{j}"
            if j % 4 == 3:
                operations.append(("remove", f"b{trial}-{j - 2}"))
            elif j % 4 == 2:
                operations.append(("update", f"b{trial}-{j - 1}", ACCOUNTS[2], "text", f"updated {j}"))
            else:
                operations.append(("add", name, ACCOUNTS[j % 3], "id", str(j)))
        states = [dict(state)]
        for operation in operations:
            current = dict(states[-1])
            if operation[0] == "remove":
                current.pop((site.domain, operation[1].lower()), None)
            else:
                _, name, account, memo_type, memo = operation
                current[(site.domain, name.lower())] = (site.domain, name, account, memo_type, memo)
            states.append(current)
        kill_at = time.monotonic() + random.uniform(0, commands * 0.25)
        finished = 0
        killed = False
        for operation in operations:
            if operation[0] == "remove":
                args = ("remove", f"{operation[1]}*{site.domain}")
            else:
                kind, name, account, memo_type, memo = operation
                args = ("add", f"{name}*{site.domain}", account, "--memo-type", memo_type, "--memo", memo,
                        *(["--update"] if kind == "update" else []))
            process = subprocess.Popen(site.command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if kill_after(process, max(0.0, kill_at - time.monotonic())):
                killed = True
                break
            assert process.returncode == 0, process.stderr.read().decode()
            finished += 1
        found = book(site.store)
        expected_done = set(states[finished].values())
        expected_next = set(states[min(finished + 1, len(states) - 1)].values())
        if found == expected_done:
            outcomes["before_killed" if killed else "all_finished"] += 1
        elif killed and found == expected_next:
            outcomes["after_killed"] += 1
        else:
            raise AssertionError(f"burst trial {trial}: after {finished} commands (killed: {killed}) the book is neither "
                                 f"the state before nor after the killed command: {sorted(found ^ expected_done)[:6]}")
        site.serves(found)
    return {"scenario": "burst", "trials": trials, "commands_per_burst": commands, **outcomes}


class FakeEC2:
    """DescribeInstances for one region: `count` instances, all of one generation (their private addresses say
    which), and a new generation at every call, so every refresh writes a new snapshot."""

    def __init__(self, count: int):
        self.count = count
        self.generation = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.generation += 1
                body = fake.page(fake.generation).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, generation: int) -> str:
        items = "".join(
            f"<item><instanceId>i-{index:017x}</instanceId><instanceType>t3.micro</instanceType>"
            f"<instanceState><code>16</code><name>running</name></instanceState>"
            f"<placement><availabilityZone>us-east-1a</availabilityZone></placement>"
            f"<privateIpAddress>10.{generation % 250}.{index // 250}.{index % 250 + 1}</privateIpAddress>"
            f"<launchTime>2026-11-01T10:00:00.000Z</launchTime>"
            f"<tagSet><item><key>Name</key><value>web-{index}</value></item></tagSet></item>"
            for index in range(self.count))
        return ("<DescribeInstancesResponse><requestId>fake</requestId><reservationSet><item><reservationId>r-1"
                f"</reservationId><ownerId>123456789012</ownerId><instancesSet>{items}</instancesSet></item>"
                "</reservationSet></DescribeInstancesResponse>")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def serve_config(workdir: Path, endpoint: str, snapshot: Path, dns_port: int) -> Path:
    config = workdir / "fedns.toml"
    config.write_text(
        f'[dns]\nlisten = ["127.0.0.1:{dns_port}"]\n[control]\nenabled = false\n'
        f'[discovery]\nsource = "aws"\nregions = ["us-east-1"]\nrefresh_interval = 1\nrequest_timeout = 5\n'
        f'snapshot = "{snapshot}"\nec2_endpoint = "{endpoint}"\n')
    return config


AWS_ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "AKIDFAKE", "AWS_SECRET_ACCESS_KEY": "fake", "AWS_EC2_METADATA_DISABLED": "true"}


def snapshot_generation(path: Path, count: int) -> int:
    """The one generation every instance of the snapshot file belongs to (it must parse and be whole)."""
    document = json.loads(path.read_text())
    generations = {int(instance["private_ipv4"][0].split(".")[1]) for instance in document["instances"]}
    assert len(document["instances"]) == count and len(generations) == 1, \
        f"{path}: {len(document['instances'])} instances of generations {sorted(generations)[:5]}"
    return generations.pop()


def query_a(port: int, name: str) -> list[str]:
    import dns.message
    import dns.query

    reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=1)
    return sorted(r.to_text() for rrset in reply.answer for r in rrset)


def snapshot_trials(workdir: Path, trials: int, count: int = 3000) -> dict:
    workdir = workdir / "snapshot"
    workdir.mkdir(parents=True, exist_ok=True)
    fake = FakeEC2(count)
    snapshot = workdir / "snapshot.json"
    dns_port = free_port()
    outcomes = {"killed": 0, "generations_seen": 0}
    try:
        for trial in range(trials):
            config = serve_config(workdir, fake.endpoint, snapshot, dns_port)
            log = open(workdir / "serve.log", "wb")
            started = time.time()
            process = subprocess.Popen([FEDNS_BIN, "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                       env={**os.environ, **AWS_ENVIRONMENT})
            # The kill must land among the writes, not before the first one (a loaded machine can take seconds to
            # start): once this process has written a snapshot, the next ones follow every refresh (1 s), each of a
            # changed fleet, and the kill comes at a random moment within the next two and a half.
            deadline = time.monotonic() + 30
            while not (snapshot.exists() and snapshot.stat().st_mtime >= started):
                assert process.poll() is None and time.monotonic() < deadline, \
                    f"trial {trial}: no snapshot written: {(workdir / 'serve.log').read_text()[-2000:]}"
                time.sleep(0.02)
            kill_after(process, random.uniform(0.0, 2.5))
            log.close()
            outcomes["killed"] += 1
            generation = snapshot_generation(snapshot, count)
            outcomes["generations_seen"] += 1
            # Restart with EC2 unreachable: the snapshot alone is served.
            dead = serve_config(workdir, f"http://127.0.0.1:{free_port()}", snapshot, dns_port)
            log = open(workdir / "restart.log", "wb")
            again = subprocess.Popen([FEDNS_BIN, "serve", "--config", str(dead)], stdout=log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **AWS_ENVIRONMENT})
            try:
                deadline = time.monotonic() + 20
                while True:
                    try:
                        if query_a(dns_port, "web-7.ec2.") == [f"10.{generation}.0.8"]:
                            break
                    except Exception:  # noqa: BLE001 (not up yet)
                        pass
                    if again.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(f"trial {trial}: the snapshot was not served: {(workdir / 'restart.log').read_text()[-2000:]}")
                    time.sleep(0.1)
            finally:
                again.send_signal(signal.SIGTERM)
                # With EC2 unreachable a refresh may be in its retries when SIGTERM comes: fedns abandons it, so the
                # stop is prompt (a stop that waited for the retries took over 20 s here).
                again.wait(20)
                log.close()
            assert again.returncode == 0
            # Leftover temporary files of killed writers must not pile up.
            leftovers = [p.name for p in workdir.iterdir() if p.name.startswith(".snapshot.json.")]
            assert len(leftovers) <= 1, leftovers
    finally:
        fake.close()
    return {"scenario": "snapshot", "trials": trials, "instances": count, **outcomes}


def main() -> None:
    parser = argparse.ArgumentParser(description="kill -9 at random moments; check nothing is lost")
    parser.add_argument("--trials", type=int, default=200, help="trials per scenario")
    parser.add_argument("--scenario", default="all", choices=["all", "import", "burst", "snapshot"])
    parser.add_argument("--workdir", default="/tmp/fedns-crash")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    random.seed(args.seed)
    workdir = Path(args.workdir)
    results = []
    runs = {"import": import_trials, "burst": burst_trials, "snapshot": snapshot_trials}
    for name, run in runs.items():
        if args.scenario in ("all", name):
            started = time.monotonic()
            result = run(workdir, args.trials)
            result["seconds"] = round(time.monotonic() - started, 1)
            print(json.dumps(result), flush=True)
            results.append(result)
    total = sum(r["trials"] for r in results)
    print(f"crash_trials={total} lost=0 " + " ".join(f"{r['scenario']}={r['trials']}" for r in results))


if __name__ == "__main__":
    main()
