"""Registry cases for the top-level ``qkit`` package (see ``__init__.py`` beside this file)."""

from api_registry import Case

CASES = [
    Case("qkit.memory_budget"),
    # None restores the default, so the valid call leaves the session as it found it; the bad
    # values are refused before anything is set.
    Case("qkit.set_memory_budget", args=(None,), bad={"gib": [0.0, -1.0, float("nan"), float("inf"), True, "2"]}),
    Case("qkit.package_versions"),
    Case("qkit.show_versions"),
]
