"""What a local training step costs on real quantum hardware, and how many samples fit in a round.

The DQFL paper (Sec. I and II C) says quantum computing "can process more data in the same
time than a classical NN" and lets FL "handle more data". This module puts a number on the time
a vehicle's quantum processor needs per training sample, so the claim can be checked.

Circuit executions per sample (parameter shift)
-----------------------------------------------
A quantum processor returns measurement outcomes, not amplitudes. The gradient of an expectation
value is read from the same circuit at shifted angles (Schuld et al. 2019, Phys. Rev. A 99,
032331): a rotation angle with one frequency (U3's three angles, CU3's two phases) needs **2**
executions, a controlled rotation angle (CU3's ``theta``) **4** (Anselmetti et al. 2021, New J.
Phys. 23, 113010); the kit's rules are ``qkit.qnn.circuits.GATE_KINDS``. Each sample has its own
encoded input, so nothing is shared between the samples of a batch. The dynamic QNN reads out
after every layer; measuring all qubits ends the circuit, so exit ``e`` is its own circuit of
depth ``e + 1`` and its gradient shifts only the angles of its first ``e + 1`` layers. Per sample:

    executions = sum over exits e of [ 1  +  sum over angles j in layers <= e, not inert in exit e's
                                            circuit, of n_shift(j) ]

(the ``1`` is the forward pass of that exit; the classical readout scales and biases need no
extra circuit). Each execution is repeated ``shots`` times. Angles an exit's readout cannot
depend on are not shifted for that exit: a phase applied last on basis states before a
computational-basis measurement has an exactly zero derivative (found structurally by
``qkit.qnn.circuits._inert_angles(circuit, [e])``). The rule is applied per exit circuit: the
CU3 phases of layer ``e`` are inert in exit ``e``'s circuit (its last layer) though exit
``e + 1``'s circuit depends on them (the DQNN at 4 qubits and 3 exits: 3 phases per exit, 6
two-term executions each, so 321 executions per sample rather than 339; 3 of its 96
parameters, the deepest layer's phases, are never shifted).

What the adjoint method saves, and why hardware cannot use it
-------------------------------------------------------------
The simulator's adjoint gradient (:mod:`qkit.qnn.gradients`) gets all ``P`` derivatives from one
forward and one backward sweep, about three forward passes, however large ``P``: it saves a factor
of about ``executions / 3``. It needs the state vector itself and un-applies gates to a stored
copy of it. A quantum processor gives neither: a state cannot be copied (no-cloning) nor read
except by measurement, which collapses it, and estimating its ``2**n`` amplitudes would need
exponentially many shots. So on hardware the cost grows with the number of angles times the shots.

Time
----
``seconds per sample = executions * (circuit_latency_s + shots / shot_rate_hz)``. A classical
network of ``P`` parameters costs about ``6 P`` floating-point operations per training sample
(``2 P`` forward, ``4 P`` backward; Kaplan et al. 2020, arXiv:2001.08361, Sec. 2.1).

Defaults (assumptions, stated as such; pass your own): ``shots = 1000``; ``shot_rate_hz = 4000``,
one shot every 250 us -- the order of the repetition delay a superconducting processor waits
between shots to let its qubits relax (IBM exposes it as ``backend.default_rep_delay``), with the
gate and readout time (a few us) neglected; ``circuit_latency_s = 0``, i.e. the circuits of a step
are queued in one job with no per-circuit overhead (optimistic: cloud round-trips add seconds);
a classical rate of ``1e9`` FLOP/s (one embedded CPU core on small dense layers; pessimistic).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from qkit._validate import require_integer, require_real
from qkit.qnn.circuits import GATE_KINDS, _inert_angles
from qkit.qnn.gradients import SHIFT_RULES

__all__ = ["QuantumHardware", "ExecutionCount", "SampleBudget", "circuit_executions",
           "seconds_per_sample", "classical_seconds_per_sample", "samples_in_round"]

CLASSICAL_FLOPS_PER_PARAMETER = 6
"""Floating-point operations per parameter per training sample of a dense network (2 + 4)."""


@dataclass(frozen=True)
class QuantumHardware:
    """Timing of a quantum processor (assumed defaults; see the module docstring).

    Parameters
    ----------
    shots : int
        Repetitions of each circuit (1 to 10**9). Default 1000: a standard error of
        ``<= 1 / sqrt(1000) = 0.032`` on each ``<Z>``.
    shot_rate_hz : float
        Shots per second (> 0). Default 4000 (one every 250 us).
    circuit_latency_s : float
        Fixed overhead per circuit execution (s, >= 0): loading its angles, job round-trips.
        Default 0 (optimistic).
    """

    shots: int = 1000
    shot_rate_hz: float = 4000.0
    circuit_latency_s: float = 0.0

    def __post_init__(self) -> None:
        require_integer("shots", self.shots, 1, 10**9)
        require_real("shot_rate_hz", self.shot_rate_hz, 0.0, None, low_inclusive=False, unit="Hz")
        require_real("circuit_latency_s", self.circuit_latency_s, 0.0, unit="s")

    @property
    def seconds_per_execution(self) -> float:
        """``circuit_latency_s + shots / shot_rate_hz`` (s)."""
        return self.circuit_latency_s + self.shots / self.shot_rate_hz


class ExecutionCount(NamedTuple):
    """Circuit executions per training sample: ``forward`` (one per exit), ``shifted`` (the
    parameter-shift gradient, each exit's circuit shifting only the angles its readout depends on)
    and ``total``; ``angles`` is the number of gate angles shifted for at least one exit and
    ``inert`` the number of gate angles never shifted because no exit's readout depends on them."""

    forward: int
    shifted: int
    total: int
    angles: int
    inert: int = 0


class SampleBudget(NamedTuple):
    """Training samples one vehicle gets through in a round, and the seconds each one takes."""

    quantum: int
    classical: int
    quantum_seconds_per_sample: float
    classical_seconds_per_sample: float


def _circuit_of(model: Any):
    circuit = getattr(model, "circuit", None)
    if circuit is None or not hasattr(circuit, "layers"):
        raise TypeError(f"model must be a qkit quantum model with a circuit (QNN, DynamicQNN), got {model!r:.60}")
    return circuit


def circuit_executions(model: Any) -> ExecutionCount:
    """Circuit executions per training sample with parameter shift (module docstring formula).

    Parameters
    ----------
    model : qkit.qnn.models.QNN or DynamicQNN
        Its ``circuit`` gives the gates (and their shift rules) of each layer; its
        ``exit_layers`` (default: the last layer) the circuits that are measured.

    Returns
    -------
    ExecutionCount
    """
    circuit = _circuit_of(model)
    exits = tuple(getattr(model, "exit_layers", (len(circuit.layers) - 1,)))
    shifted, used = 0, np.zeros(circuit.n_params, dtype=bool)
    for e in exits:  # exit e is its own circuit (layers 0..e): its own inert angles
        inert = _inert_angles(circuit, [e])
        for layer in circuit.layers[:e + 1]:
            for op in layer:
                for j, rule in enumerate(GATE_KINDS[op.kind].shift_rules):
                    if not inert[op.offset + j]:
                        shifted += len(SHIFT_RULES[rule])
                        used[op.offset + j] = True
    angles = int(used.sum())
    never = sum(len(GATE_KINDS[op.kind].shift_rules) for layer in circuit.layers for op in layer) - angles
    return ExecutionCount(len(exits), int(shifted), len(exits) + int(shifted), angles, int(never))


def seconds_per_sample(model: Any, hardware: QuantumHardware = QuantumHardware()) -> float:
    """Seconds of quantum-processor time per training sample: ``executions * (latency + shots / rate)``."""
    if not isinstance(hardware, QuantumHardware):
        raise TypeError(f"hardware must be a qkit.fl.cost.QuantumHardware, got {hardware!r:.60}")
    return circuit_executions(model).total * hardware.seconds_per_execution


def classical_seconds_per_sample(n_params: int, flop_rate: float = 1.0e9) -> float:
    """Seconds per training sample of a dense classical network: ``6 n_params / flop_rate``.

    ``n_params >= 1``; ``flop_rate`` in FLOP/s (> 0).
    """
    n = require_integer("n_params", n_params, 1)
    rate = require_real("flop_rate", flop_rate, 0.0, None, low_inclusive=False, unit="FLOP/s")
    return CLASSICAL_FLOPS_PER_PARAMETER * n / rate


def samples_in_round(model: Any, round_s: float, hardware: QuantumHardware = QuantumHardware(), *,
                     flop_rate: float = 1.0e9, epochs: int = 1) -> SampleBudget:
    """How many samples a vehicle can train on in a round of ``round_s`` seconds.

    For the quantum model on ``hardware`` and for a classical network with the same number of
    trained parameters (``model.n_trainable``, else ``model.n_params``) at ``flop_rate``: ``floor(round_s / (epochs * seconds per
    sample))`` each (distinct samples, each visited ``epochs`` times), capped at ``2**62``.

    Parameters
    ----------
    model : qkit.qnn.models.QNN or DynamicQNN
    round_s : float
        Time available for local training in one round (s, > 0).
    hardware : QuantumHardware
    flop_rate : float
        Classical FLOP/s (> 0).
    epochs : int
        Local epochs (>= 1).
    """
    t = require_real("round_s", round_s, 0.0, None, low_inclusive=False, unit="s")
    e = require_integer("epochs", epochs, 1)
    q = seconds_per_sample(model, hardware)
    c = classical_seconds_per_sample(int(getattr(model, "n_trainable", model.n_params)), flop_rate)
    fit = [float(np.floor(t / (e * s))) for s in (q, c)]
    return SampleBudget(*(int(min(f, 2**62)) for f in fit), q, c)
