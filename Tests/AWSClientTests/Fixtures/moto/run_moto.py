"""Runs moto_server for the AWSClient tests, and exits when the test process that started it goes away.

The Swift test terminates moto itself when it finishes; this watchdog covers a test process that crashed or was
killed, so that no moto outlives it. Usage: python3 run_moto.py -H 127.0.0.1 -p PORT
"""
import os
import sys
import threading
import time


def exit_when_orphaned(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


threading.Thread(target=exit_when_orphaned, args=(os.getppid(),), daemon=True).start()

from moto.server import main  # noqa: E402  (imported after the watchdog starts: the import takes a second)

main(sys.argv[1:])
