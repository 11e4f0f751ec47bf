"""The course is gradeable with nbgrader's real commands (issue 10 item 2).

One temporary nbgrader course is built from ``solutions/`` (every chapter an assignment), then
``nbgrader generate_assignment`` releases it and ``nbgrader autograde`` grades three submissions
of every chapter in one call, with nbgrader's sqlite gradebook:

* ``solution``: the solution notebook itself                       -> full marks;
* ``blank``: the released student notebook, untouched               -> zero, and no crash;
* ``mistake``: the solution with one exercise answered by a typical
  conceptual mistake (the table :data:`MISTAKES`)                  -> partial marks.

Scores are read back with nbgrader's Python API (``nbgrader.api.Gradebook``). A chapter added to
``solutions/`` needs a row in :data:`MISTAKES` (a test says so).
"""

import re
import shutil
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is in the test and instructor extras")

from nbgrader.api import Gradebook  # noqa: E402

from qkit.authoring import BEGIN, END  # noqa: E402
from qkit.grading import build_course, run_nbgrader  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))]

#: chapter -> (exercise label, a wrong body for its solution region, the misconception)
MISTAKES = {
    "00_warmup": ("0.2", "return np.mean(values), np.var(values)",
                  "ignores the probabilities: averages the outcomes as if equally likely"),
    "01_poisson_photons": ("1.3", "counts = np.asarray(counts, dtype=float)\n"
                                  "return counts.var() / counts.mean()",
                           "population variance (ddof=0) for a sample variance"),
    "02_adc_and_pileup": ("2.2", "return np.asarray(z) & 3", "keeps bits 0 and 1, not bits 2 and 3"),
    "03_characterising_the_chip": ("3.1", "a, b = np.asarray(a, float), np.asarray(b, float)\n"
                                          "return np.mean(a * b) / (a.std() * b.std())",
                                   "forgets to subtract the means"),
    "04_min_entropy": ("4.3", "mixed = sum(w * eve_prediction(e, mean, gain) for e, w in zip(noise_values, noise_weights))\n"
                              "return float(np.max(mixed))",
                       "Eq. 6 with max and expectation swapped: Eve's best guess after averaging over the noise"),
    "05_frames_and_failures": ("5.1", "z_pmf = np.asarray(z_pmf)\n"
                                      "return z_pmf[:low_threshold + 1].sum(), z_pmf[high_threshold:].sum()",
                               "counts the thresholds themselves as out of range"),
    "06_estimating_entropy": ("6.1", "return -math.log2(np.bincount(symbols, minlength=k).max() / symbols.size)",
                              "the plug-in estimate, without the upper confidence bound"),
    "07_random_bits": ("7.2", "k = n_samples * float(np.dot(noise_mass, -np.log2(p_guess)))\n"
                              "return max(0, int(np.floor(k - 2 * np.log2(1 / epsilon))))",
                       "averages the min-entropy over the noise, not the guessing probability (Eq. 6)"),
    "08_qubits_and_circuits": ("8.1", "c, s = np.cos(theta / 2), np.sin(theta / 2)\n"
                                      "out = np.eye(4, dtype=complex)\n"
                                      "out[2:, 2:] = [[c, -np.exp(1j * phi) * s],\n"
                                      "               [np.exp(1j * lam) * s, np.exp(1j * (phi + lam)) * c]]\n"
                                      "return out",
                               "phi and lambda swapped"),
    "09_quantum_classifier": ("9.4", "n = len(x)\nops = []\nfor layer in range(2):\n"
                                     "    ops += [(gates.ry(thetas[layer, i]), i, (layer, i)) for i in range(n)]\n"
                                     "    ops += [(gates.CNOT, (i, (i + 1) % n), None) for i in range(n)]\n"
                                     "phi = sv.angle_encode(np.asarray(x, dtype=float)[None, :])\n"
                                     "for matrix, wires, _ in ops:\n    phi = sv.apply_gate(phi, matrix, wires)\n"
                                     "lam = sv.apply_gate(phi, gates.PAULI_Z, 0)\ngrad = np.zeros((2, n))\n"
                                     "for matrix, wires, index in reversed(ops):\n    if index is not None:\n"
                                     "        grad[index] = np.real(-0.5j * np.vdot(lam, sv.apply_gate(phi, gates.PAULI_Y, wires)))\n"
                                     "    phi = sv.apply_gate(phi, matrix.conj().T, wires)\n"
                                     "    lam = sv.apply_gate(lam, matrix.conj().T, wires)\nreturn grad",
                              "the adjoint derivative without its factor 2: only the ket's term of d<Z>/dtheta"),
    "10_federated_learning": ("10.4", "global_params = np.asarray(global_params, dtype=float)\ntrained, counts = [], []\n"
                                      "for X, y in client_data:\n    w = global_params.copy()\n"
                                      "    for _ in range(epochs):\n        for start in range(0, len(y), batch_size):\n"
                                      "            batch = slice(start, start + batch_size)\n"
                                      "            w = w - learning_rate * gradient(w, X[batch], y[batch])\n"
                                      "    trained.append(w)\n    counts.append(len(y))\n"
                                      "weight = np.asarray(arrived)[:, block_of] * np.array(counts, dtype=float)[:, None]\n"
                                      "return (weight * np.array(trained)).sum(axis=0) / np.sum(counts)",
                              "a FedAvg round that averages the blocks that did not arrive as zeros"),
    "11_wireless_uplink": ("11.4", "received = np.asarray(gains, dtype=float) * mean_snr\n"
                                   "sinr_b = power_split * received / ((1 - power_split) * received + 1)\n"
                                   "base = sinr_b >= 2.0 ** base_rate - 1\n"
                                   "enhancement = (1 - power_split) * received >= 2.0 ** enhancement_rate - 1\n"
                                   "return base, enhancement",
                           "the enhancement decoded without the base (successive decoding ignored; below lambda*)"),
    "12_qfl_vs_dqfl": ("12.3", "return float(1.0 - np.sum(arrival_probabilities))",
                       "subtracts the probabilities as if arrivals were exclusive"),
    "13_capstone_public_safety": ("13.4", "return np.asarray(captures) > 0",
                                  "only this round's captures: data, once captured, stays"),
    "14_scaling_out": ("14.2", "got = np.asarray(delivered, dtype=bool)\n"
                               "if not got.any():\n    return np.array(global_params, dtype=float)\n"
                               "return np.asarray(replies, dtype=float)[got].mean(axis=0)",
                       "averages the replies that arrived without weighting them by their samples"),
}


def _with_mistake(nb, label, body):
    """The notebook with the solution region of exercise ``label`` replaced by ``body``."""
    grade_id = "ex-" + re.sub(r"[^A-Za-z0-9_\-]", "_", label)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(cells) == 1, f"no answer cell {grade_id!r}"
    lines, out, inside = cells[0].source.splitlines(), [], False
    for line in lines:
        if BEGIN in line:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(textwrap.indent(body, indent))
            inside = True
        elif END in line:
            inside = False
        elif not inside:
            out.append(line)
    cells[0].source = "\n".join(out)
    return nb


def test_every_chapter_has_a_typical_mistake():
    missing = sorted(set(CHAPTERS) - set(MISTAKES))
    assert not missing, f"add a row to MISTAKES for each chapter in solutions/: {missing}"


@pytest.mark.slow
def test_solution_scores_full_blank_zero_and_mistake_partial(tmp_path, monkeypatch):
    # as on an instructor's machine: the checks are strict because nbgrader runs them, not the suite
    monkeypatch.delenv("QKIT_STRICT_CHECKS", raising=False)
    started = time.perf_counter()
    course = tmp_path / "course"
    course.mkdir()
    assert build_course(ROOT / "solutions", course) == CHAPTERS
    run_nbgrader(course, "generate_assignment", "*", "--force")
    for chapter in CHAPTERS:
        source = course / "source" / chapter / f"{chapter}.ipynb"
        for student in ("solution", "blank", "mistake"):
            (course / "submitted" / student / chapter).mkdir(parents=True)
        submitted = course / "submitted" / "{}" / chapter / f"{chapter}.ipynb"
        shutil.copy(source, str(submitted).format("solution"))
        shutil.copy(course / "release" / chapter / f"{chapter}.ipynb", str(submitted).format("blank"))
        label, body, _ = MISTAKES[chapter]
        nbformat.write(_with_mistake(nbformat.read(source, as_version=4), label, body),
                       str(submitted).format("mistake"))
    log = run_nbgrader(course, "autograde", "*", "--create", "--force")
    # nbgrader's own errors (a notebook it could not grade, a cell it could not read). A kernel's
    # late "ERROR:tornado.general ... ZMQStream callback" at shutdown is not one: it is logged by
    # jupyter_client after the notebook has run and grades nothing; the scores below decide.
    failures = [line for line in log.splitlines() if re.search(r"\|\s*(ERROR|CRITICAL)\]", line)]
    assert not failures, "\n".join(failures) + "\n" + log[-3000:]
    seconds = time.perf_counter() - started

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for chapter in CHAPTERS:
            scores = {s: gb.find_submission(chapter, s) for s in ("solution", "blank", "mistake")}
            full = scores["solution"].max_score
            label, _, why = MISTAKES[chapter]
            assert full > 0, f"{chapter}: no autograded test cell"
            assert scores["solution"].score == full, f"{chapter}: the solution lost points"
            assert scores["blank"].score == 0, f"{chapter}: an untouched notebook scored"
            assert 0 < scores["mistake"].score < full, (
                f"{chapter}: exercise {label} ({why}) scored {scores['mistake'].score} of {full}")
    print(f"nbgrader round trip: {len(CHAPTERS)} chapters x 3 submissions in {seconds:.0f} s")
