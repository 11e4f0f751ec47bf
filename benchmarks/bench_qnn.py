"""One training step of the dynamic QNN: qkit (numpy, adjoint) vs PennyLane default.qubit.

A step is the forward pass and the gradient of the loss summed over all exits (the DQNN of
Fig. 1 of the DQFL paper: U3 rotations + a CU3 ring per layer, an exit after every layer, a
trainable scale and bias per exit and class). PennyLane computes the same loss with
``default.qubit``, ``diff_method="backprop"``, the autograd (numpy) interface and parameter
broadcasting over the batch; an exit after layer ``k`` is a QNode truncated at layer ``k``
(a QNode only measures at the end). Both give the same loss and gradient (checked below), and
are timed side by side in this one process.

Run from the repository root::

    python benchmarks/bench_qnn.py            # both configurations of issue 5
    python benchmarks/bench_qnn.py --quick    # small sizes, a smoke test

On a machine whose cores are busy, OpenBLAS's second thread (woken by large matrix products)
can cost milliseconds per call; qkit keeps its products below OpenBLAS's threading threshold,
PennyLane does not. ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_qnn.py`` removes that
effect from both sides; the script prints the setting it ran with.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pennylane as qml
from pennylane import numpy as pnp

from qkit.qnn import QNN, DynamicQNN


def pennylane_loss(model, X, y):
    """An autograd loss function of the flat parameters, equal to ``model.loss``."""
    n, circuit = model.n_qubits, model.circuit
    dev = qml.device("default.qubit", wires=n)
    onehot = np.eye(model.n_classes)[y].T  # (C, B)

    @qml.qnode(dev, interface="autograd", diff_method="backprop")
    def readout(params, depth):
        for i in range(n):
            qml.RY(X[:, i], wires=i)
        for layer in circuit.layers[: depth + 1]:
            for op in layer:
                a = params[op.offset:op.offset + op.n_params]
                if op.kind == "cu3":
                    qml.ctrl(qml.U3(a[0], a[1], a[2], wires=op.wires[1]), control=op.wires[0])
                else:
                    qml.U3(a[0], a[1], a[2], wires=op.wires[0])
        return [qml.expval(qml.PauliZ(c)) for c in range(model.n_classes)]

    def loss(params):
        total = 0.0
        for k in model.exit_layers:
            z = pnp.stack(readout(params, k))  # (C, B)
            block = params[model.layout[f"exit{k}"]]
            logits = block[: model.n_classes, None] * z + block[model.n_classes:, None]
            lse = pnp.log(pnp.sum(pnp.exp(logits), axis=0))
            total = total + pnp.mean(lse - pnp.sum(onehot * logits, axis=0))
        return total

    return loss


def best_time(fn, repeats: int) -> tuple[float, object]:
    """Minimum wall time over ``repeats`` calls (s) and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def compare(model, batch: int, repeats_qkit: int, repeats_pl: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    params = model.init_params(rng)
    X = rng.uniform(0, np.pi, (batch, model.n_qubits))
    y = rng.integers(0, model.n_classes, batch)
    t_qkit, (l_qkit, g_qkit) = best_time(lambda: model.loss_and_grad(params, X, y), repeats_qkit)
    pl_loss = pennylane_loss(model, X, y)
    grad_fn = qml.grad(pl_loss)
    p_pl = pnp.array(params, requires_grad=True)

    def pl_step():  # qml.grad evaluates the loss on the way and keeps it in .forward
        g = grad_fn(p_pl)
        return float(grad_fn.forward), np.asarray(g)

    t_pl, (l_pl, g_pl) = best_time(pl_step, repeats_pl)
    return dict(t_qkit=t_qkit, t_pl=t_pl, dloss=abs(l_qkit - l_pl),
                dgrad=float(np.max(np.abs(g_qkit - g_pl))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = ap.parse_args()
    # autograd's vjp of complex indexing inside PennyLane warns; it is not about our numbers
    warnings.filterwarnings("ignore", message="Casting complex values to real")
    configs = [(4, 2, 32), (4, 3, 64)] if args.quick else [(6, 4, 256), (8, 6, 512)]
    print("DQNN training step (forward + gradient of the loss summed over all exits)")
    print("qkit: numpy statevector, adjoint method; PennyLane", qml.__version__,
          "default.qubit, backprop, autograd, broadcasting")
    print("OPENBLAS_NUM_THREADS =", os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"))
    print(f"{'model':>10} {'qubits':>6} {'layers':>6} {'batch':>6} {'exits':>5} "
          f"{'qkit [ms]':>10} {'PennyLane [ms]':>15} {'ratio':>7} {'|dloss|':>9} {'max|dgrad|':>10}")
    for n, layers, batch in configs:
        for name, model in [
            ("DQNN", DynamicQNN(n_qubits=n, n_layers=layers, n_classes=4)),
            ("last exit", QNN(n_qubits=n, n_layers=layers, n_classes=4, rotation="u3",
                              entangler="cu3")),
        ]:
            r = compare(model, batch, repeats_qkit=20, repeats_pl=3)
            print(f"{name:>10} {n:>6} {layers:>6} {batch:>6} {model.n_exits:>5} "
                  f"{1e3 * r['t_qkit']:>10.1f} {1e3 * r['t_pl']:>15.1f} "
                  f"{r['t_pl'] / r['t_qkit']:>7.1f} {r['dloss']:>9.1e} {r['dgrad']:>10.1e}")
    print("times: best of 20 (qkit) and 3 (PennyLane) runs; machine shared with other jobs.")


if __name__ == "__main__":
    main()
