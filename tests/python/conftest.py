import os

from hypothesis import HealthCheck, settings

# Deterministic by default so a red run can be replayed; CI may raise the
# example count with HYPOTHESIS_PROFILE=thorough.
settings.register_profile(
    "default", derandomize=True, max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=1500, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
