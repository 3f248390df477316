"""Differential testing against NSD, short: bench/dnsdiff (the README's "Reliability" -> "Differential testing
against NSD") with 3,000 queries instead of 100,000. fedns and NSD serve the same zone; every reply must be
identical or differ only as a rule of bench/dnsdiff/deviations.py allows, and every rule's own example must still
show its difference (a rule nothing matches any more is stale)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fednsproc import FEDNS_BIN

DNSDIFF = Path(__file__).resolve().parents[2] / "bench" / "dnsdiff"
sys.path.insert(0, str(DNSDIFF))

import deviations  # noqa: E402
from queries import build  # noqa: E402
from wire import Reply, differing, features  # noqa: E402

QUERIES = 3000


def test_fedns_differs_from_nsd_only_as_documented(tmp_path):
    if not shutil.which("nsd"):
        pytest.fail("nsd is needed (Tests/setup/install-test-deps.sh installs it)")
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, str(DNSDIFF / "dnsdiff.py"), "--fedns", FEDNS_BIN, "--queries", str(QUERIES),
         "--report", str(report), "--workdir", str(tmp_path / "servers")],
        capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    figures = re.fullmatch(r"sent=(\d+) identical=(\d+) documented=(\d+) undocumented=(\d+)", last)
    assert figures, f"no summary line:\n{output[-8000:]}"
    sent, identical, documented, undocumented = map(int, figures.groups())
    assert undocumented == 0, f"fedns and NSD differ in ways no rule documents:\n{output[-8000:]}"
    assert result.returncode == 0, output[-8000:]
    assert sent == QUERIES and identical + documented == sent
    data = json.loads(report.read_text())
    assert data["stale"] == [], f"rules whose example no longer shows their difference: {data['stale']}"
    # Most queries are answered alike; the rules are exceptions, not the rule.
    assert identical > documented


def test_rules_cover_only_their_fields_and_values():
    """The classifier itself: a documented difference stops being documented when anything else differs, or
    when the values are the other way round."""
    query = build("ec2", 6, flags=0x0010)  # CD set
    header = bytes.fromhex("0000" "8410" "0001 0000 0000 0000".replace(" ", ""))
    reply = header + query[12:]
    fedns = Reply.parse(reply).values
    nsd = Reply.parse(reply[:3] + bytes([reply[3] & ~0x10]) + reply[4:]).values
    seen = features(query, tcp=False)
    assert differing(fedns, nsd) == ["flag.cd"]
    assert [rule.id for rule in deviations.explained(seen, fedns, nsd, ["flag.cd"])] == ["cd-copied"]
    # The other way round (NSD copies CD, fedns does not) is not the documented deviation.
    assert deviations.explained(seen, nsd, fedns, ["flag.cd"]) is None
    # A second difference (AA) that no rule covers makes the whole reply undocumented.
    no_aa = dict(fedns, **{"flag.aa": False})
    assert deviations.explained(seen, no_aa, nsd, differing(no_aa, nsd)) is None
    # Without CD in the query the rule does not apply.
    plain = features(build("ec2", 6), tcp=False)
    assert deviations.explained(plain, fedns, nsd, ["flag.cd"]) is None
