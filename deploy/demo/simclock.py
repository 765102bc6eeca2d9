#!/usr/bin/env python3
"""The faked clock shared by every process of a local Parley run on a faked clock
(scripts/run.sh --simulate, tools/fakeclock/README.md).

  deploy/demo/simclock.py --file F [--freeze DATA_DIR] now
  deploy/demo/simclock.py --file F [--freeze DATA_DIR] set '2026-09-07 08:00'   (Europe/London)
  deploy/demo/simclock.py --file F [--freeze DATA_DIR] set 2026-09-06T17:00:00Z
  deploy/demo/simclock.py --file F [--freeze DATA_DIR] advance 3h               (s, m, h, d; 1d2h)
  deploy/demo/simclock.py --file F [--freeze DATA_DIR] real                     (back to real time)

F is the file libfaketime reads (FAKETIME_TIMESTAMP_FILE). It holds an offset, "+N" or "-N" seconds:
the faked time is the real time + N in every process, whenever it started (a start date, "@...",
would start each process's clock at its own start). The clock never moves backwards by more than a
second: timers, tokens and PostgreSQL all assume it does not.

With --freeze DATA_DIR (run.sh's data folder), the services and the delivery sinks are stopped
(SIGSTOP) while the offset changes, and continued once every one of them reads the new offset:
otherwise, for up to two seconds, a process still on the old time would meet one on the new time
(tokens "not plausible", deadlines exceeded, outbox rows rejected), and set() returns 2.5 s after
they go on, once they all answer on the new time. A jump takes about 5 s. PostgreSQL and Redis keep
running: they only answer.

Also importable: Clock(path, freeze_pidfiles).now() / .set(target_utc) / .to_real_time().
It reads the real clock, so it must not run under libfaketime (run it with env -u LD_PRELOAD).
Python standard library only.
"""
import argparse
import datetime
import glob
import os
import re
import signal
import sys
import time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = datetime.timezone.utc
# With FAKETIME_CACHE_DURATION=1 libfaketime re-reads the file when a whole second has passed since
# its last read, so a process follows a change up to ~2 s later: the held processes stay stopped
# this long after the new offset is written.
HOLD_SECONDS = 2.5
# After SIGCONT the services still answered on the old time for up to ~2 s (contacts refused fresh
# tokens as issued in the future for ~1.6 s after a jump, measured; libfaketime itself follows at
# once, so it is their own cached clock readings). set() waits this long more before it returns.
AFTER_SECONDS = 2.5
# How long set() takes after it writes the offset, when processes are held: it returns with the faked
# clock at the target + SETTLE_SECONDS. A caller that must not pass a due time aims that far before it.
SETTLE_SECONDS = HOLD_SECONDS + AFTER_SECONDS
# Backwards by less than this is rounding (the offset is in whole seconds), not a move back.
BACKWARDS_TOLERANCE_S = 1.0


def data_pidfiles(data_dir):
    """The pid files of the processes to hold still in run.sh's data folder: the services (pids/) and
    the two sinks that scripts/stack.sh starts. Glob patterns, expanded at each jump."""
    return [os.path.join(data_dir, "pids", "*.pid"), os.path.join(data_dir, "mail", "catcher.pid"),
            os.path.join(data_dir, "gateway", "sink.pid")]


class Clock:
    """The offset file at `path`. `freeze_pidfiles`: pid files (glob patterns allowed) whose processes
    are stopped while the offset changes; None or empty for none."""

    def __init__(self, path, freeze_pidfiles=None, *, real_time=time.time, sleep=time.sleep,
                 hold_s=HOLD_SECONDS, after_s=AFTER_SECONDS):
        if "faketime" in os.environ.get("LD_PRELOAD", ""):
            # Under libfaketime time.time() is the faked time, and every offset computed from it wrong.
            raise RuntimeError("simclock must run on the real clock: run it with env -u LD_PRELOAD")
        self.path = path
        self.freeze_pidfiles = list(freeze_pidfiles or [])
        self._real_time = real_time
        self._sleep = sleep
        self._hold_s = hold_s
        self._after_s = after_s

    def offset(self):
        """The offset in seconds (0 when there is no file yet)."""
        try:
            with open(self.path, encoding="ascii") as f:
                text = f.read().strip()
        except FileNotFoundError:
            return 0
        return int(text) if text else 0

    def now(self):
        """The faked now, from the real clock and the file's offset, as an aware UTC datetime."""
        return datetime.datetime.fromtimestamp(self._real_time() + self.offset(), UTC)

    def set(self, target_utc):
        """Moves the faked clock to `target_utc` (an aware datetime). Refuses to move it back."""
        if target_utc.tzinfo is None:
            raise ValueError("target_utc must be timezone-aware")
        existed = os.path.exists(self.path)
        if existed:
            back = (self.now() - target_utc).total_seconds()
            if back > BACKWARDS_TOLERANCE_S:
                raise ValueError(f"refusing to move the clock back {back:.0f} s, from "
                                 f"{self.now():%Y-%m-%dT%H:%M:%SZ} to {target_utc.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}")
        if not existed:
            # Nothing reads the file yet: no process to hold still or to wait for.
            self._write(target_utc)
            return
        stopped = self._stop_all() if self.freeze_pidfiles else []
        try:
            # Computed after the stops, which take a moment.
            self._write(target_utc)
            self._sleep(self._hold_s)
        finally:
            for pid in stopped:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass
        if stopped:
            self._sleep(self._after_s)

    def to_real_time(self):
        """Offset 0: the faked clock becomes the real clock (never backwards)."""
        self.set(datetime.datetime.fromtimestamp(self._real_time(), UTC))

    def _write(self, target_utc):
        off = round(target_utc.timestamp() - self._real_time())
        # Written whole and renamed, so a process never reads half a file.
        tmp = f"{self.path}.tmp{os.getpid()}"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(f"{off:+d}\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path)

    def _stop_all(self):
        stopped = []
        for pattern in self.freeze_pidfiles:
            for pidfile in sorted(glob.glob(pattern)):
                try:
                    with open(pidfile, encoding="ascii") as f:
                        pid = int(f.read().strip())
                    os.kill(pid, signal.SIGSTOP)
                except (OSError, ValueError):
                    continue  # gone, or a stale pid file
                stopped.append(pid)
        return stopped


def parse_time(text):
    """'YYYY-MM-DD HH:MM' (Europe/London unless it names an offset) or ISO 8601 ('...Z') -> UTC."""
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = datetime.datetime.fromisoformat(text)
    if t.tzinfo is None:
        t = t.replace(tzinfo=LONDON)
    return t.astimezone(UTC)


def parse_duration(text):
    """'45s', '90m', '3h', '2d', or a sum of them ('1d2h30m')."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"bad duration {text!r}: use e.g. 45s, 90m, 3h, 2d or 1d2h")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return datetime.timedelta(seconds=sum(float(n) * unit[u] for n, u in parts))


def show(t):
    return f"{t:%Y-%m-%dT%H:%M:%SZ} ({t.astimezone(LONDON):%a %d %b %Y %H:%M:%S %Z})"


def main(argv=None):
    p = argparse.ArgumentParser(description="The faked clock of a local Parley run (scripts/run.sh --simulate).")
    p.add_argument("--file", required=True, help="the offset file (FAKETIME_TIMESTAMP_FILE)")
    p.add_argument("--freeze", metavar="DATA_DIR",
                   help="run.sh's data folder: hold its services and sinks still while the clock jumps")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("now", help="print the faked now")
    s = sub.add_parser("set", help="jump to a time (Europe/London, or ISO 8601 with an offset or Z)")
    s.add_argument("time")
    a = sub.add_parser("advance", help="jump forward by a duration (45s, 90m, 3h, 2d, 1d2h)")
    a.add_argument("duration")
    sub.add_parser("real", help="move the faked clock to real time (offset 0)")
    args = p.parse_args(argv)

    try:
        clock = Clock(args.file, data_pidfiles(args.freeze) if args.freeze else None)
        if args.cmd == "set":
            clock.set(parse_time(args.time))
        elif args.cmd == "advance":
            clock.set(clock.now() + parse_duration(args.duration))
        elif args.cmd == "real":
            clock.to_real_time()
    except (RuntimeError, ValueError) as e:
        print(f"simclock: {e}", file=sys.stderr)
        return 1
    print(show(clock.now()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
