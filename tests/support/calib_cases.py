"""The shared part of every ``tests/reference/test_calib_<target>.py``: the 20% check of each published number.

A target's module declares ``PUBLISHED`` (experiment, observable, published value, where it comes from) and
``KNOWN_MISSES`` (strict xfails with the model value) and imports ``test_within_20_percent`` from here; its own
shape tests follow. ``tests/reference/conftest.py`` parametrises it and provides the ``observed`` fixture.
"""

from __future__ import annotations

import math

TOL = math.log(1.2)  # fold changes within 20% (calibration brief, calibration_targets.yaml header)


def test_within_20_percent(observed, key, name, published, where):
    """The model reproduces the published number within 20% (ln 1.2)."""
    model = observed[key][name]
    assert abs(math.log(model / published)) <= TOL, f"{name}: model {model:.4g} vs published {published:.4g} ({where})"
