"""The fuzz suite's settings: a bounded run in the test command, a long one for ``make fuzz``.

``ESIG_FUZZ_PROFILE`` selects them: ``ci`` (the default: a fixed seed, a bounded number
of cases per target, the whole suite in about a minute) or ``long`` (``make fuzz``:
25,000 cases per target, random seeds, over 100,000 cases in all); ``ESIG_FUZZ_CASES``
sets another number of cases per target. Every case must end
in a report or an :class:`esig.EsigError` within five seconds. The settings are applied
to the fuzz tests only (other hypothesis tests keep their own).
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("ESIG_FUZZ_PROFILE", "ci")
"""The selected profile: ``ci`` or ``long``."""

_CASES = {"ci": 150, "long": 25_000}

CASES = int(os.environ.get("ESIG_FUZZ_CASES", "0")) or _CASES.get(PROFILE, _CASES["ci"])
"""Cases per target: the profile's, or ``ESIG_FUZZ_CASES`` when set."""

FUZZ = settings(
    max_examples=CASES,
    derandomize=PROFILE != "long",
    deadline=timedelta(seconds=5),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.function_scoped_fixture),
    database=None,
)
"""The hypothesis settings of every fuzz target."""
