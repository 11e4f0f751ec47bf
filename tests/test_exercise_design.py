"""The course's exercises and concept questions have the shape issue 10 asks for.

These are structural rules a reviewer would otherwise check by eye: enough exercises per chapter,
no function asked for twice, no reference answer in a cell a student sees, a model answer for
every "Going further", and two predict-then-check questions in every chapter.
"""

import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from qkit.authoring import BEGIN, SOLUTIONS_ONLY

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r"check_\w+\(\s*[\"']([\d.]+)[\"']")


def _code(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _asked_functions(path):
    """Names of the functions whose bodies the learner writes (a ``def`` whose cell holds a solution region)."""
    names = []
    for source in _code(path):
        if BEGIN in source:
            names += re.findall(r"^\s*def (\w+)\(", source, flags=re.M)
    return names


@pytest.mark.parametrize("path", [p for p in SOLUTIONS if not p.name.startswith("00")], ids=lambda p: p.stem)
def test_every_chapter_has_at_least_three_checked_exercises(path):
    labels = {m for source in _code(path) for m in CHECK_CALL.findall(source)}
    assert len(labels) >= 3, f"{path.name}: {sorted(labels)} checked exercises, at least 3 wanted"


def test_no_two_exercises_ask_for_the_same_function():
    where = Counter()
    for path in SOLUTIONS:
        for name in set(_asked_functions(path)):
            where[name] += 1
    repeated = sorted(name for name, n in where.items() if n > 1)
    assert not repeated, f"asked for in more than one chapter: {repeated}"


@pytest.mark.parametrize("path", EXERCISES, ids=lambda p: p.stem)
def test_no_reference_answer_in_a_cell_the_student_sees(path):
    for source in _code(path):
        assert not re.search(r"^\s*def (reference|_ref|wrong)\w*\(", source, flags=re.M), (
            f"{path.name}: a reference or wrong answer is defined in a visible cell:\n{source[:300]}")


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_going_further_has_a_model_answer(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and "Going further" in cell.source:
            nearby = " ".join(" ".join(c.source.split()) for c in cells[i:i + 3] if c.cell_type == "markdown")
            assert SOLUTIONS_ONLY in nearby, (
                f"{path.name} cell {i}: a Going-further question without a model answer "
                f"(a paragraph containing {SOLUTIONS_ONLY!r} in it or in the next markdown cells)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_asks_two_questions_before_it_answers_them(path):
    calls = sum(len(re.findall(r"\bPredictThenCheck\(", s)) for s in _code(path))
    assert calls >= 2, f"{path.name}: {calls} predict-then-check questions, at least 2 wanted"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_question_cell_shows_the_widget_not_its_answer(path):
    """A predict-then-check cell's source holds the answer and the explanation: it opens collapsed."""
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code" and re.search(r"\bPredictThenCheck\(", cell.source):
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
                f"{path.name} cell {i}: set metadata.jupyter.source_hidden so the answer is not on screen")
