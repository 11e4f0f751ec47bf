"""Registry cases for the top-level ``qkit`` package (see ``__init__.py`` beside this file)."""

from api_registry import Case

CASES = [
    Case("qkit.memory_budget"),
    # 4 GiB is the default budget, so the valid call leaves the session as it found it.
    Case("qkit.set_memory_budget", args=(4.0,), bad={"gib": [0.0, -1.0]}),
]
