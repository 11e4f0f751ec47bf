"""Every repository path the README and CONTRIBUTING.md name exists (issue 15, item 5).

A path counts when it is a Markdown link target or a word inside `backticks` (fenced code blocks
are left out) that contains a ``/`` or ends in a file suffix (``.py``, ``.ipynb``, ...), or a
dotted ``qkit.`` name. Placeholders (``<topic>``, ``NN_``, ``[args]``, ``...``) are skipped;
a ``*`` must match at least one file; ``qkit.a.b`` must be a module of the kit, or a name defined
in one. Generated places (``.venv``, ``artifacts/``) are not repository paths.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["README.md", "CONTRIBUTING.md"]
SUFFIXES = (".py", ".ipynb", ".md", ".toml", ".cfg", ".txt", ".json", ".mplstyle", ".yml", ".yaml")
GENERATED = (".venv", "artifacts")
PLACEHOLDERS = ("<", ">", "NN", "[", "]", "...", "{", "}", "://")


def named_paths(markdown: str) -> list[str]:
    """The repository paths a Markdown text names in link targets and inline code, in order."""
    text = re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)  # fenced blocks out
    words = re.findall(r"\]\(([^)\s]+)\)", text)
    for span in re.findall(r"`([^`\n]+)`", text):
        words += span.split()
    found = []
    for word in words:
        word = word.lstrip("'\"(").rstrip(".,:;'\")").split("#")[0]
        if not word or word.startswith(("@", "-", "http", "mailto:")) or any(p in word for p in PLACEHOLDERS):
            continue
        if word.startswith("qkit.") or "/" in word or word.endswith(SUFFIXES):
            if word.split("/")[0] not in GENERATED:
                found.append(word)
    return found


def missing(word: str, root: Path = ROOT) -> bool:
    """Whether the path (or glob, or ``qkit.`` dotted name) ``word`` names nothing in ``root``."""
    if "*" in word:
        return not any(root.glob(word.rstrip("/")))
    if word.startswith("qkit.") and "/" not in word:
        return not _dotted_exists(word, root)
    return not (root / word).exists()


def _dotted_exists(name: str, root: Path) -> bool:
    """``qkit.a.b``: a module or package of the kit, or one name defined in the module before it."""
    parts = name.split(".")
    if not all(p.isidentifier() for p in parts):
        return False
    for cut in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:cut])
        module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if module.is_file():
            rest = parts[cut:]
            if not rest:
                return True
            pattern = rf"^\s*((def |class )?{rest[0]}\b|from \S+ import .*\b{rest[0]}\b)"  # defined or re-exported
            return len(rest) == 1 and re.search(pattern, module.read_text(), re.M) is not None
    return False


@pytest.mark.parametrize("doc", DOCS)
def test_every_named_path_exists(doc):
    names = named_paths((ROOT / doc).read_text())
    assert len(names) >= 5, f"{doc}: the extractor found only {names}; has the file's format changed?"
    absent = sorted({n for n in names if missing(n)})
    assert not absent, f"{doc} names paths that do not exist in the repository: {absent}"


def test_the_extractor_finds_what_a_reader_would_follow(tmp_path):
    """The check can fail: a made-up document naming present, absent and placeholder paths."""
    (tmp_path / "qkit" / "widgets").mkdir(parents=True)
    (tmp_path / "qkit" / "__init__.py").write_text("")
    (tmp_path / "qkit" / "widgets" / "basics.py").write_text("def explorer():\n    pass\n")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_start.ipynb").write_text("{}")
    doc = ("See [the start](notebooks/00_start.ipynb) and `qkit/widgets/basics.py`, then run\n"
           "`python3 course.py execute notebooks/03_gone.ipynb`. Add `qkit/widgets/<topic>.py`\n"
           "and `notebooks/NN_topic.ipynb`; call `qkit.widgets.basics.explorer` or `qkit.widgets.nope`;\n"
           "outputs land in `artifacts/browser/` and `exercises/*.ipynb`.\n"
           "```bash\npython3 course.py execute notebooks/99_fenced.ipynb\n```\n")
    names = named_paths(doc)
    assert names == ["notebooks/00_start.ipynb", "qkit/widgets/basics.py", "course.py",
                     "notebooks/03_gone.ipynb", "qkit.widgets.basics.explorer", "qkit.widgets.nope",
                     "exercises/*.ipynb"]
    assert [n for n in names if missing(n, tmp_path)] == [
        "course.py", "notebooks/03_gone.ipynb", "qkit.widgets.nope", "exercises/*.ipynb"]
