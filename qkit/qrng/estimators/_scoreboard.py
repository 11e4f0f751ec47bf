"""The predictor scoreboard of SP 800-90B Sec. 6.3.7-6.3.9, vectorised.

Several subpredictors guess every sample. A subpredictor's score goes up by one when it is
right; after each increment, if its score is at least the current winner's, it becomes the
winner (so among equal scores the latest to get there wins). The winner *before* a round
makes the ensemble's guess for that round.

Vectorised rule: with scores after round ``i`` written ``sb[i, d]`` and ``M_i = max_d sb[i, d]``,
the winner after round ``i`` is the largest ``d`` that was right in round ``i`` and has
``sb[i, d] == M_i``; if there is none, the winner is unchanged. (The winner always holds
the maximum score: a subpredictor that reaches the maximum takes over, one that stays below
it does not, and within a round the later, larger ``d`` overrides the earlier.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._common import longest_run

__all__ = ["follow_scoreboard", "literal_scoreboard"]


def follow_scoreboard(correct: Callable[[int, int], np.ndarray], rounds: int, width: int,
                      chunk: int = 8192) -> tuple[int, int]:
    """Play the scoreboard over ``rounds`` rounds and score the winner's guesses.

    Parameters
    ----------
    correct : callable
        ``correct(start, stop)`` returns a bool array ``(stop - start, width)``: whether each
        subpredictor guessed rounds ``start..stop-1`` right (False where it made no guess).
    rounds : int
        Number of rounds.
    width : int
        Number of subpredictors; subpredictor 0 is the first winner.
    chunk : int
        Rounds per block (memory ``~ 10 * chunk * width`` bytes).

    Returns
    -------
    (int, int)
        ``C``, the number of rounds the winner guessed right, and the longest run of them.
    """
    score = np.zeros(width, dtype=np.int64)
    winner, hits_total, longest, carry = 0, 0, 0, 0
    for start in range(0, rounds, chunk):
        stop = min(rounds, start + chunk)
        right = correct(start, stop)
        m = stop - start
        small = np.int16 if 2 * m + 2 < np.iinfo(np.int16).max else np.int32
        base = np.maximum(score - score.max(), -(m + 1)).astype(small)
        value = np.cumsum(right, axis=0, dtype=small)
        value += base
        top = value.max(axis=1)
        leader = right & (value == top[:, None])
        changed = leader.any(axis=1)
        last = width - 1 - np.argmax(leader[:, ::-1], axis=1)
        event = np.where(changed, np.arange(m), -1)
        np.maximum.accumulate(event, out=event)
        after = np.where(event >= 0, last[np.maximum(event, 0)], winner)
        used = np.concatenate(([winner], after[:-1]))
        hits = right[np.arange(m), used]
        hits_total += int(np.count_nonzero(hits))
        run, carry = longest_run(hits, carry)
        longest = max(longest, run)
        score += np.count_nonzero(right, axis=0)
        winner = int(after[-1])
    return hits_total, longest


def literal_scoreboard(right: np.ndarray) -> tuple[int, int]:
    """The scoreboard played round by round (slow; for tests and teaching)."""
    rounds, width = right.shape
    score = [0] * width
    winner, hits, run, longest = 0, 0, 0, 0
    for i in range(rounds):
        used = winner
        for d in range(width):
            if right[i, d]:
                score[d] += 1
                if score[d] >= score[winner]:
                    winner = d
        if right[i, used]:
            hits += 1
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    return hits, longest
