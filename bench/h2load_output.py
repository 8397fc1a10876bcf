"""Reads the summary h2load (nghttp2 1.52) prints after a run.

Durations are printed by nghttp2's util::format_duration: below 1 ms as
whole microseconds ("765us"), below 1 s as milliseconds with two decimals
("12.34ms"), else as seconds with two decimals ("1.50s"). That holds for
"finished in" and for every figure of the "time for ..." rows. req/s is
printed with two decimals, or as inf or nan when the run took no
measurable time."""

import re

_UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
_DURATION = r"(\d+(?:\.\d+)?)(us|ms|s)"
_RATE = r"(\d+(?:\.\d+)?|inf|nan)"


class UnexpectedOutput(ValueError):
    """The text is not the summary of an h2load run."""


def _seconds(number, unit):
    # Rounded to 10 ns (h2load prints at best 1 us), so that "85us" is 85e-6.
    return round(float(number) * _UNIT_SECONDS[unit], 8)


def duration_seconds(text):
    """A duration as h2load prints it ("765us", "1.23ms", "2.00s"), in seconds."""
    match = re.fullmatch(_DURATION, text.strip())
    if not match:
        raise UnexpectedOutput(f"not an h2load duration: {text!r}")
    return _seconds(match.group(1), match.group(2))


class Summary:
    """The figures of one run: seconds, rps, request counts, status classes,
    bytes of response data, and the time-for-request row (seconds)."""

    def __init__(self, output):
        def search(pattern):
            match = re.search(pattern, output)
            if not match:
                raise UnexpectedOutput(f"no match for {pattern!r} in h2load output:\n{output}")
            return match

        finished = search(rf"finished in {_DURATION}, {_RATE} req/s")
        self.seconds = _seconds(finished.group(1), finished.group(2))
        self.rps = float(finished.group(3))
        requests = search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                          r"(\d+) failed, (\d+) errored, (\d+) timeout")
        (self.total, self.started, self.done, self.succeeded, failed, errored,
         timeout) = (int(n) for n in requests.groups())
        self.failed = failed + errored + timeout
        codes = search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")
        self.status_2xx = int(codes.group(1))
        self.data_bytes = int(search(r"\((\d+)\) data").group(1))
        request = search(r"time for request: +" + r" +".join([_DURATION] * 4))
        self.request_min, self.request_max, self.request_mean, self.request_sd = (
            _seconds(request.group(i), request.group(i + 1)) for i in (1, 3, 5, 7))
