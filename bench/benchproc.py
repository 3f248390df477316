"""What the benchmarks share: a server process pinned to its own CPU, its CPU time and memory read from /proc
(children included, for servers that fork workers), and a clean stop; and a server whose log lines are timed as
they arrive (LoggedServer), for durations a server logs no figure for."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "1"
LOAD_CPU = "0"


ALL_CPUS = f"0-{(os.cpu_count() or 1) - 1}"


class PinnedServer:
    """A server started under `taskset -c cpus` (SERVER_CPU unless told), ready once `ready()` holds."""

    def __init__(self, label: str, command: list[str], port: int, workdir: Path, ready: Callable[[], bool],
                 cpus: str = SERVER_CPU):
        self.label, self.command, self.port, self.workdir, self.ready = label, command, port, workdir, ready
        self.cpus = cpus
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        log = open(self.workdir / f"{self.label}.log", "wb")
        self.process = subprocess.Popen(["taskset", "-c", self.cpus, *self.command], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.label} exited: {(self.workdir / f'{self.label}.log').read_text()}")
            if self.ready():
                return
            time.sleep(0.1)
        raise SystemExit(f"{self.label} did not answer")

    def pin(self, cpus: str = SERVER_CPU) -> None:
        """Moves every thread of the server's processes to `cpus` (a server started on more, measured on one)."""
        for pid in self.pids():
            subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(pid)], capture_output=True, check=True)
        self.cpus = cpus

    def pids(self) -> list[int]:
        """The server process and its children (NSD forks a server and xfrd, nginx a worker)."""
        pids = [self.process.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if parent in pids and int(entry.name) not in pids:
                    pids.append(int(entry.name))
        return pids

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS

    def rss_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MB, summed over the server's processes."""
        current = peak = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            current += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            peak += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        return current / 1024, peak / 1024

    def pss_mb(self) -> float:
        """Proportional set size in MB, summed over the server's processes: pages shared between them (NSD's
        forked server shares the zone with its parent) count once, where summed RSS counts them in each."""
        total = 0
        for pid in self.pids():
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            found = re.search(r"^Pss:\s+(\d+)", rollup, re.M)
            total += int(found.group(1)) if found else 0
        return total / 1024

    def stop(self) -> None:
        children = self.pids()[1:] if self.process else []
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


class LoggedServer(PinnedServer):
    """A server whose output lines are kept with the time each arrived, so durations between them can be read
    to the millisecond whatever the log's own timestamps say."""

    def start(self, timeout: float = 60) -> None:
        self.lines: list[tuple[float, str]] = []
        log = open(self.workdir / f"{self.label}.log", "w")
        self.process = subprocess.Popen(["taskset", "-c", self.cpus, *self.command], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, bufsize=1)

        def read() -> None:
            for line in self.process.stdout:
                self.lines.append((time.monotonic(), line))
                log.write(line)
            log.close()
        threading.Thread(target=read, daemon=True).start()

    def wait_for(self, text: str, after: int, timeout: float) -> tuple[int, float, str]:
        """The first line containing `text` at index >= `after`: (index, arrival time, line)."""
        deadline = time.monotonic() + timeout
        index = after
        while time.monotonic() < deadline:
            while index < len(self.lines):
                if text in self.lines[index][1]:
                    return index, *self.lines[index]
                index += 1
            if self.process.poll() is not None:
                raise SystemExit(f"{self.label} exited: {(self.workdir / f'{self.label}.log').read_text()[-2000:]}")
            time.sleep(0.001)
        raise SystemExit(f"{self.label}: no '{text}' line within {timeout} s")

    def reload(self, until: str, timeout: float) -> tuple[float, str]:
        """SIGHUP, then milliseconds from the `reloading` line to the next line containing `until`."""
        after = len(self.lines)
        os.kill(self.process.pid, signal.SIGHUP)  # taskset execs the server: this is its pid
        index, start, _ = self.wait_for("reloading", after, timeout)
        _, end, line = self.wait_for(until, index + 1, timeout)
        return (end - start) * 1000, line
