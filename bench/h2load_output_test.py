"""Unit test of bench/h2load_output.py on summaries in h2load 1.52's format."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h2load_output import Summary, UnexpectedOutput, duration_seconds  # noqa: E402


def summary(finished, request_row, rps="26143.79"):
    return f"""starting benchmark...
spawning thread #0: 1 total client(s). 20 total requests
Application protocol: h2c
progress: 10% done
progress: 100% done

finished in {finished}, {rps} req/s, 3.31MB/s
requests: 20 total, 19 started, 18 done, 17 succeeded, 1 failed, 2 errored, 3 timeout
status codes: 17 2xx, 0 3xx, 1 4xx, 0 5xx
traffic: 2.60KB (2660) total, 480B (480) headers (space savings 89.33%), 2.00KB (2040) data
                     min         max         mean         sd        +/- sd
time for request: {request_row}    90.00%
time for connect:      123us       123us       123us         0us   100.00%
time to 1st byte:      750us       750us       750us         0us   100.00%
req/s           :   26143.79    26143.79    26143.79        0.00   100.00%
"""


class DurationTest(unittest.TestCase):
    def test_every_unit(self):
        self.assertEqual(duration_seconds("765us"), 765e-6)
        self.assertEqual(duration_seconds("0us"), 0.0)
        self.assertEqual(duration_seconds("1.00ms"), 1e-3)
        self.assertEqual(duration_seconds("999.99ms"), 999.99e-3)
        self.assertEqual(duration_seconds("1.00s"), 1.0)
        self.assertEqual(duration_seconds("4321.05s"), 4321.05)
        self.assertEqual(duration_seconds("  12.50ms"), 12.5e-3)  # setw padding

    def test_refuses_what_h2load_never_prints(self):
        for text in ("", "765", "1.2m", "3min", "1.5µs", "-1.00s", "1e3us", "ms"):
            with self.assertRaises(UnexpectedOutput, msg=text):
                duration_seconds(text)


class SummaryTest(unittest.TestCase):
    def test_finished_in_microseconds(self):
        s = Summary(summary("765us", "     345us       701us       410us        85us"))
        self.assertAlmostEqual(s.seconds, 765e-6)
        self.assertEqual(s.rps, 26143.79)
        self.assertEqual((s.request_min, s.request_max), (345e-6, 701e-6))
        self.assertEqual((s.request_mean, s.request_sd), (410e-6, 85e-6))

    def test_finished_in_milliseconds(self):
        s = Summary(summary("12.34ms", "    1.23ms     11.00ms    999us    1.00s"))
        self.assertAlmostEqual(s.seconds, 12.34e-3)
        self.assertAlmostEqual(s.request_min, 1.23e-3)
        self.assertAlmostEqual(s.request_max, 11e-3)
        self.assertAlmostEqual(s.request_mean, 999e-6)
        self.assertEqual(s.request_sd, 1.0)

    def test_finished_in_seconds(self):
        s = Summary(summary("4.96s", "     1.00s       1.96s       1.50s     200.00ms"))
        self.assertEqual(s.seconds, 4.96)
        self.assertEqual(s.request_max, 1.96)
        self.assertAlmostEqual(s.request_sd, 0.2)

    def test_counts(self):
        s = Summary(summary("1.00s", "  1us  2us  3us  4us"))
        self.assertEqual((s.total, s.started, s.done, s.succeeded), (20, 19, 18, 17))
        self.assertEqual(s.failed, 1 + 2 + 3)
        self.assertEqual(s.status_2xx, 17)
        self.assertEqual(s.data_bytes, 2040)

    def test_rate_of_a_run_too_short_to_time(self):
        s = Summary(summary("0us", "  0us  0us  0us  0us", rps="inf"))
        self.assertEqual(s.seconds, 0.0)
        self.assertEqual(s.rps, float("inf"))

    def test_refuses_other_output(self):
        with self.assertRaises(UnexpectedOutput):
            Summary("")
        with self.assertRaises(UnexpectedOutput):
            Summary(summary("765 us", "  1us  2us  3us  4us"))
        with self.assertRaises(UnexpectedOutput):
            Summary(summary("765us", "  1us  2us  3us").replace("(2040) data", "data"))


if __name__ == "__main__":
    unittest.main()
