"""Tests of simclock.py: the offset it writes and the never-backwards rule (a temporary file, a fixed
real clock, no processes).

Run by ctest (simclock_test) from this directory: python3 -B -m unittest -v simclock_test
"""

import datetime
import os
import tempfile
import unittest

import simclock

UTC = datetime.timezone.utc
REAL = datetime.datetime(2026, 12, 6, 13, 0, 0, tzinfo=UTC)


class FakeReal:
    """The real clock, moved by hand; sleeping moves it too."""

    def __init__(self):
        self.t = REAL.timestamp()
        self.slept = []

    def time(self):
        return self.t

    def sleep(self, s):
        self.slept.append(s)
        self.t += s


class ClockTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "clock")
        self.real = FakeReal()
        self.clock = simclock.Clock(self.path, None, real_time=self.real.time, sleep=self.real.sleep)

    def tearDown(self):
        self.dir.cleanup()

    def content(self):
        with open(self.path, encoding="ascii") as f:
            return f.read()

    def test_no_file_is_real_time(self):
        self.assertEqual(self.clock.offset(), 0)
        self.assertEqual(self.clock.now(), REAL)

    def test_set_in_the_past_writes_a_negative_offset(self):
        self.clock.set(REAL - datetime.timedelta(days=14, hours=1))
        self.assertEqual(self.content(), "-1213200\n")
        self.assertEqual(self.clock.now(), REAL - datetime.timedelta(days=14, hours=1))
        self.assertEqual(self.real.slept, [])  # a new file: nothing reads it yet

    def test_faked_time_follows_the_real_clock(self):
        self.clock.set(REAL - datetime.timedelta(days=2))
        self.real.t += 90
        self.assertEqual(self.clock.now(), REAL - datetime.timedelta(days=2) + datetime.timedelta(seconds=90))

    def test_offset_is_rounded_to_whole_seconds(self):
        self.clock.set(REAL + datetime.timedelta(seconds=10.6))
        self.assertEqual(self.content(), "+11\n")

    def test_forward_from_an_existing_file_waits_for_the_processes(self):
        self.clock.set(REAL - datetime.timedelta(days=7))
        self.clock.set(REAL - datetime.timedelta(days=6))
        # The offset is computed before the settle: the target is reached as the sleep starts.
        self.assertEqual(self.content(), f"{-86400 * 6:+d}\n")
        self.assertEqual(self.real.slept, [simclock.HOLD_SECONDS])

    def test_never_backwards(self):
        self.clock.set(REAL - datetime.timedelta(days=7))
        with self.assertRaises(ValueError):
            self.clock.set(REAL - datetime.timedelta(days=8))
        self.assertEqual(self.content(), f"{-86400 * 7:+d}\n")
        # A second back is rounding, not a move back.
        self.clock.set(REAL - datetime.timedelta(days=7, seconds=1))

    def test_a_fresh_file_may_start_anywhere(self):
        self.clock.set(REAL + datetime.timedelta(days=3))
        self.assertEqual(self.content(), f"{86400 * 3:+d}\n")

    def test_to_real_time(self):
        self.clock.set(REAL - datetime.timedelta(days=7))
        self.clock.to_real_time()
        self.assertEqual(self.content(), "+0\n")
        self.assertEqual(self.clock.now().timestamp(), self.real.t)

    def test_to_real_time_refuses_from_the_future(self):
        self.clock.set(REAL + datetime.timedelta(hours=1))
        with self.assertRaises(ValueError):
            self.clock.to_real_time()

    def test_naive_target_refused(self):
        with self.assertRaises(ValueError):
            self.clock.set(datetime.datetime(2026, 11, 22, 18, 0))

    def test_freeze_skips_missing_and_stale_pid_files(self):
        os.makedirs(os.path.join(self.dir.name, "pids"))
        with open(os.path.join(self.dir.name, "pids", "stale.pid"), "w", encoding="ascii") as f:
            f.write("not a pid\n")
        clock = simclock.Clock(self.path, simclock.data_pidfiles(self.dir.name),
                               real_time=self.real.time, sleep=self.real.sleep)
        clock.set(REAL - datetime.timedelta(days=7))
        clock.set(REAL - datetime.timedelta(days=6))
        self.assertEqual(self.content(), f"{-86400 * 6:+d}\n")


class ParseTest(unittest.TestCase):
    def test_local_time_is_london(self):
        # 18:00 BST (summer) and 18:00 GMT (winter).
        self.assertEqual(simclock.parse_time("2026-09-06 18:00"), datetime.datetime(2026, 9, 6, 17, 0, tzinfo=UTC))
        self.assertEqual(simclock.parse_time("2026-11-22 18:00"), datetime.datetime(2026, 11, 22, 18, 0, tzinfo=UTC))

    def test_iso_utc(self):
        self.assertEqual(simclock.parse_time("2026-11-22T18:00:00Z"), datetime.datetime(2026, 11, 22, 18, 0, tzinfo=UTC))

    def test_durations(self):
        self.assertEqual(simclock.parse_duration("3h"), datetime.timedelta(hours=3))
        self.assertEqual(simclock.parse_duration("1d2h30m"), datetime.timedelta(days=1, hours=2, minutes=30))
        self.assertEqual(simclock.parse_duration("45s"), datetime.timedelta(seconds=45))
        for bad in ("", "3", "h", "3x", "3h-"):
            with self.assertRaises(ValueError):
                simclock.parse_duration(bad)


if __name__ == "__main__":
    unittest.main()
