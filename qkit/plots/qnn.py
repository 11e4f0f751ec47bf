"""Figures of notebooks 08 (qubits and circuits) and 09 (a quantum classifier).

Every builder draws numbers computed elsewhere (the views of :mod:`qkit.widgets.qnn`, or
accuracies the notebook measured); none computes anything a test could not reach through the
cores.
"""

from __future__ import annotations

import numpy as np

from qkit._validate import require_array, require_flag, require_real
from qkit.plots import _require_axes, _require_figure, _require_text, _require_view
from qkit.plots._layout import fixed_grid

__all__ = [
    "draw_bloch_sphere",
    "draw_rotation",
    "draw_measurement_axis",
    "plot_plate_grid",
    "mosaic",
    "draw_plates",
    "draw_pca",
    "plot_exit_accuracy",
    "draw_noise_deployment",
    "plot_parameter_efficiency",
]

_AXIS_COLORS = {"Z": "C0", "X": "C1", "Y": "C2"}


def draw_bloch_sphere(ax) -> None:
    """A wireframe Bloch sphere with labelled x, y, z axes on a 3-D ``ax``."""
    _require_axes("ax", ax)
    if getattr(ax, "name", "") != "3d":
        raise TypeError(f"ax must be a 3-D Axes (projection='3d'), got a {ax.name!r} Axes")
    u = np.linspace(0, 2 * np.pi, 61)
    for z in (-0.5, 0.0, 0.5):  # latitude circles
        r = np.sqrt(1 - z**2)
        ax.plot(r * np.cos(u), r * np.sin(u), z, color="0.85", linewidth=0.8)
    for phi in (0.0, np.pi / 2):  # two meridians
        ax.plot(np.cos(u) * np.cos(phi), np.cos(u) * np.sin(phi), np.sin(u), color="0.85", linewidth=0.8)
    for vec, name in (((1, 0, 0), "x  |+>"), ((0, 1, 0), "y  |+i>"), ((0, 0, 1), "z  |0>")):
        ax.plot(*[[-c, c] for c in vec], color="0.6", linewidth=0.8)
        ax.text(*(1.15 * np.array(vec)), name, fontsize="small")
    ax.text(0, 0, -1.25, "|1>", fontsize="small")
    ax.set_xlim(-1, 1)
    ax.set_ylim(-1, 1)
    ax.set_zlim(-1, 1)
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()


def draw_rotation(fig, view) -> None:
    """Bloch sphere with the rotation's path, and P(+1) along Z, X, Y (a ``RotationView``)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("gate", "angle", "start_label", "start", "end", "path", "probabilities"))
    ax = fig.add_subplot(1, 2, 1, projection="3d")
    draw_bloch_sphere(ax)
    ax.plot(*view.path.T, color="C3", linewidth=2, label="path of the state", gid="rotation.path")
    _rotation_arrows(ax, view)
    ax.set_title(_rotation_title(view), fontsize="medium")
    ax.legend(loc="lower left", fontsize="x-small")
    bx = fig.add_subplot(1, 2, 2)
    axes = list(view.probabilities)
    bx.bar(axes, [view.probabilities[a] for a in axes], color=[_AXIS_COLORS[a] for a in axes], gid="rotation.bars")
    bx.set_ylim(0, 1)
    bx.set_xlabel("measurement axis")
    bx.set_ylabel("probability of outcome +1")
    bx.set_title("What a measurement along each axis gives", fontsize="medium")


def _rotation_arrows(ax, view) -> None:
    """The start and end arrows of :func:`draw_rotation` (drawn anew by its in-place redraw)."""
    ax.quiver(0, 0, 0, *view.start, color="0.5", arrow_length_ratio=0.1, label="start", gid="rotation.start")
    ax.quiver(0, 0, 0, *view.end, color="C0", linewidth=2, arrow_length_ratio=0.1, label="end",
              gid="rotation.end")


def _rotation_title(view) -> str:
    return f"{view.gate.upper()}({view.angle:.2f} rad) on |{view.start_label}>"


def _measurement_titles(view) -> str:
    head, _, aside = str(view.information).partition(" (")
    # always two lines, each narrower than the axes: the explorer reuses its first layout
    return f"This axis reveals: {head}\n{'(' + aside if aside else ' '}"


def _state_label(view) -> str:
    """The left panel's corner text: the state, and what a measurement along the axis gives."""
    return f"state R_Y(x)|0⟩, x = {view.feature:.2f} rad\nP(+1) along the axis = {view.probability_plus:.3f}"


def _plus_end(axis) -> tuple[tuple[float, float], str]:
    """Where the "+1" mark of the drawn axis goes (beside the line, near its +1 end, inside the
    circle: outside it the legend may cover it) and its text; for an axis nearly along y, out
    of the drawn plane, a note under the origin says which way +1 points."""
    length = float(np.hypot(axis[0], axis[2]))
    if length <= 0.2:
        return (0.0, -0.2), f"axis out of the page: +1 along {'+' if axis[1] > 0 else '−'}y"
    ux, uz = axis[0] / length, axis[2] / length
    return (0.85 * axis[0] - 0.14 * uz, 0.85 * axis[2] + 0.14 * ux), "+1"


def _copies(shots: int) -> str:
    return f"estimate from {shots} {'copy' if shots == 1 else 'copies'}"


def _noise_title(view) -> str:
    shots = "exact" if view.shots is None else f"{view.shots} shots"
    quick = f" (first {view.n_images} of {view.n_total} images)" if getattr(view, "coarse", False) else ""
    return (f"p = {view.depolarizing:.2f} per layer, q = {view.readout_error:.2f}, {shots}: "
            f"best exit {view.best_exit}{quick}")


def draw_measurement_axis(fig, view) -> None:
    """An RY-encoded feature and a measurement axis (a ``MeasurementAxisView``)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("feature", "axis", "features", "curve", "reference_curves", "estimate"))
    # fixed margins (those constrained layout finds): the explorer moves the artists in place
    grid = fixed_grid(fig, 1, 2, left=0.082, right=0.995, bottom=0.1265, top=0.9015, wspace=0.308,
                      width_ratios=(0.371, 0.42))
    ax = fig.add_subplot(grid[0, 0], aspect="equal")
    t = np.linspace(0, 2 * np.pi, 181)
    ax.plot(np.cos(t), np.sin(t), color="0.85")
    x = view.feature
    ax.annotate("", (np.sin(x), np.cos(x)), (0, 0), arrowprops=dict(arrowstyle="->", color="C0", lw=2),
                gid="axis.state")
    # in a fixed corner (the arrow's colour names it): a text at the arrow's tip would leave the
    # axes and move the layout with the slider
    ax.text(0.02, 0.97, _state_label(view), color="C0", fontsize="small", va="top",
            transform=ax.transAxes, gid="axis.state_text")
    n = view.axis
    ax.plot([-n[0], n[0]], [-n[2], n[2]], "--", color="C3", linewidth=1.5,
            label=f"axis (y-component {n[1]:+.2f} not drawn)", gid="axis.axis")
    where, mark = _plus_end(n)
    ax.text(*where, mark, color="C3", fontsize="small", ha="center", va="center", gid="axis.plus")
    ax.set_xlim(-1.4, 1.4)
    ax.set_ylim(-1.3, 1.3)
    ax.set_xlabel("Bloch x component")
    ax.set_ylabel("Bloch z component")
    ax.set_title("x-z plane of the Bloch sphere", fontsize="medium")
    ax.legend(loc="lower left", fontsize="x-small")
    bx = fig.add_subplot(grid[0, 1])
    for name, curve in view.reference_curves.items():  # on top of the chosen axis's curve, which may hide one
        bx.plot(view.features, curve, ":", color=_AXIS_COLORS[name], linewidth=1.4, label=f"along {name}", zorder=3)
    bx.plot(view.features, view.curve, color="C3", linewidth=3.0, alpha=0.6, label="along the chosen axis (pink)",
            gid="axis.curve")
    bx.errorbar([x], [view.estimate], yerr=[view.estimate_error], fmt="o", color="k",
                label=_copies(view.shots), zorder=6)  # above the legend (zorder 5), never hidden by it
    bx.set_ylim(-1.05, 1.05)
    bx.set_xlabel("encoded feature x (rad)")
    bx.set_ylabel("expectation of the measured spin")
    bx.set_title(_measurement_titles(view), fontsize="small")
    bx.legend(loc="lower left", fontsize="x-small", frameon=True, framealpha=0.9)  # curves pass under it


def plot_plate_grid(fig, images, labels, classes, *, ncols: int = 8, title: str | None = None) -> None:
    """Images in a grid, each titled with its character."""
    _require_figure("fig", fig)
    imgs = require_array("images", images, ndim=3, low=0.0, high=1.0)
    _require_text("classes", classes)
    labs = require_array("labels", labels, shape=(len(imgs),), dtype=int, low=0, high=max(len(classes) - 1, 0))
    if not classes:
        raise ValueError("classes must name at least one character, got ''")
    ncols = _positive_count("ncols", ncols)
    _require_text("title", title, optional=True)
    images, labels = imgs, labs
    n = len(images)
    nrows = max(1, int(np.ceil(n / ncols)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            ax.imshow(images[i], cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"'{classes[labels[i]]}'", fontsize="small")
    if title:
        fig.suptitle(title)


def _positive_count(name: str, value) -> int:
    return _count(name, value, 1)


def _check_rows(rows) -> list:
    """The rows of :func:`plot_parameter_efficiency`, checked."""
    if not isinstance(rows, (list, tuple)) or not rows:
        raise TypeError(f"rows must be a non-empty list of (label, n_params, accuracies, kind), got {rows!r:.60}")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) != 4:
            raise ValueError(f"rows[{i}] must be (label, n_params, accuracies, kind), got {row!r:.60}")
        label, n_params, acc, kind = row
        _require_text(f"rows[{i}] label", label)
        if kind not in ("quantum", "classical"):
            raise ValueError(f"rows[{i}] kind must be 'quantum' or 'classical', got {kind!r}")
        n = require_real(f"rows[{i}] n_params", n_params, 1.0)
        out.append((label, n, require_array(f"rows[{i}] accuracies", acc, low=0.0, high=1.0, min_size=1), kind))
    return out


def mosaic(images, ncols: int, *, gap: int = 1) -> np.ma.MaskedArray:
    """Tile equally sized images in rows of ``ncols``, ``gap`` masked pixels between them.

    One ``imshow`` of the mosaic draws many small images about ten times faster than one axes
    per image (what keeps the plate and PCA explorers quick).

    Parameters
    ----------
    images : array of shape (n, h, w)
        Brightness in [0, 1].
    ncols : int
        Images per row (>= 1).
    gap : int
        Masked pixels between neighbouring images (>= 0).

    Returns
    -------
    numpy.ma.MaskedArray of shape (rows * (h + gap) - gap, ncols * (w + gap) - gap)
        The gaps (and the cells after the last image) are masked.
    """
    arr = require_array("images", images, ndim=3, low=0.0, high=1.0)
    if arr.shape[0] == 0:
        raise ValueError(f"images must have shape (n, h, w) with n >= 1, got {arr.shape}")
    ncols, gap = _count("ncols", ncols, 1), _count("gap", gap, 0)
    n, h, w = arr.shape
    nrows = -(-n // ncols)
    shape = (nrows * (h + gap) - gap, ncols * (w + gap) - gap)
    out = np.ma.masked_array(np.zeros(shape), mask=np.ones(shape, dtype=bool))
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (h + gap): r * (h + gap) + h, c * (w + gap): c * (w + gap) + w] = arr[i]
    return out


def _count(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value}")
    return int(value)


def _mosaic_axes(ax, images, ncols: int, captions=None, row_labels=None) -> None:
    """Draw a mosaic on ``ax`` (white gaps, no ticks), a caption above each tile."""
    import matplotlib as mpl

    cmap = mpl.colormaps["gray"].with_extremes(bad="white")
    n, h, w = np.shape(images)
    ax.imshow(mosaic(images, ncols), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i, caption in enumerate(captions or ()):
        r, c = divmod(i, ncols)
        ax.text(c * (w + 1) + w / 2, r * (h + 1) - 0.6, caption, ha="center", va="bottom", fontsize="small")
    for r, label in enumerate(row_labels or ()):
        ax.text(-1.0, r * (h + 1) + h / 2, label, ha="right", va="center", fontsize="small")


def draw_plates(fig, view) -> None:
    """A grid of plates seen by one camera (a ``PlateView``), as one mosaic image."""
    _require_figure("fig", fig)
    _require_view("view", view, ("images", "labels", "classes", "conditions", "occluded_fraction"))
    c = view.conditions
    ax = fig.add_subplot()
    _mosaic_axes(ax, view.images, 8, [f"'{view.classes[k]}'" for k in view.labels])
    fig.suptitle(f"light {c.light_level:.2f}, blur {c.blur_sigma:.1f} px, noise {c.noise_sigma:.2f}, "
                 f"rotation up to {c.max_rotation_deg:.0f} deg, occluded {view.occluded_fraction:.0%}")


def draw_pca(fig, view) -> None:
    """Originals, their PCA reconstructions, and the explained variance (a ``PCAView``)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("n_components", "originals", "reconstructions", "cumulative_variance",
                                 "variance_kept"))
    k = len(view.originals)
    left, ax = fig.subplots(1, 2, width_ratios=(k, 3))
    _mosaic_axes(left, np.concatenate([view.originals, view.reconstructions]), k,
                 row_labels=("image", f"{view.n_components} PCs"))
    ks = np.arange(1, len(view.cumulative_variance) + 1)
    ax.plot(ks, view.cumulative_variance, color="C0")
    ax.axvline(view.n_components, color="C3", linestyle="--", linewidth=1)
    ax.set_xlabel("principal components kept (= qubits)")
    ax.set_ylabel("fraction of pixel variance kept")
    ax.set_ylim(0, 1)
    ax.set_title(f"{view.n_components} PCs: {view.variance_kept:.0%} of the variance", fontsize="medium")


def plot_exit_accuracy(ax, accuracy, *, label: str, color: str = "C0", chance: float | None = None,
                       mark_best: bool = True, linestyle: str = "-") -> None:
    """Mean +- std (over seeds) of each exit's accuracy; ``accuracy`` has shape (seeds, exits)."""
    _require_axes("ax", ax)
    acc = require_array("accuracy", accuracy, ndim=(1, 2), low=0.0, high=1.0, min_size=1)
    _require_text("label", label)
    _require_text("color", color)
    _require_text("linestyle", linestyle)
    mark_best = require_flag("mark_best", mark_best)
    if chance is not None:
        chance = require_real("chance", chance, 0.0, 1.0)
    accuracy = acc
    acc = np.atleast_2d(np.asarray(accuracy, dtype=float))
    depth = np.arange(1, acc.shape[1] + 1)
    mean, std = acc.mean(axis=0), acc.std(axis=0)
    ax.errorbar(depth, mean, yerr=std, color=color, marker="o", capsize=3, linestyle=linestyle, label=label)
    if mark_best:
        best = int(np.argmax(mean))
        ax.plot(depth[best], mean[best], marker="*", markersize=16, color=color, linestyle="none")
    if chance is not None:
        ax.axhline(chance, color="0.5", linestyle=":", linewidth=1)
    ax.set_xticks(depth)
    ax.set_xlabel("exit (layers executed before the readout)")
    ax.set_ylabel("top-1 test accuracy")


def draw_noise_deployment(fig, view) -> None:
    """Accuracy of each exit of a trained model, ideal and on a noisy device (a ``NoiseDeploymentView``)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("depolarizing", "readout_error", "shots", "n_classes", "ideal", "noisy", "best_exit"))
    ax = fig.add_subplot()
    plot_exit_accuracy(ax, view.ideal, label="ideal simulator", color="C0", mark_best=False)
    plot_exit_accuracy(ax, view.noisy, label="noisy device", color="C3", chance=1 / view.n_classes)
    ax.set_ylim(0, 1)
    ax.set_title(_noise_title(view), fontsize="medium", y=1.0)  # where matplotlib puts it, without measuring
    ax.legend(loc="lower right", fontsize="small")


def plot_parameter_efficiency(ax, rows, *, chance: float | None = None) -> None:
    """Test accuracy against trainable parameters (log axis), mean +- std over seeds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    rows : sequence of (label, n_params, accuracies, kind)
        ``kind`` is ``"quantum"`` or ``"classical"``; ``accuracies`` holds one value per seed.
    """
    _require_axes("ax", ax)
    rows = _check_rows(rows)
    if chance is not None:
        chance = require_real("chance", chance, 0.0, 1.0)
    for label, n_params, acc, kind in rows:
        style = dict(marker="o", color="C0", markersize=8) if kind == "quantum" else \
            dict(marker="s", color="C1", markersize=7)
        ax.errorbar([n_params], [acc.mean()], yerr=[acc.std()], capsize=3, linestyle="none", **style)
        ax.annotate(label, (n_params, acc.mean()), textcoords="offset points", xytext=(6, -4),
                    fontsize="x-small")
    ax.plot([], [], "o", color="C0", label="quantum")
    ax.plot([], [], "s", color="C1", label="classical")
    if chance is not None:
        ax.axhline(chance, color="0.5", linestyle=":", linewidth=1, label="chance")
    ax.set_xscale("log")
    ax.set_xlabel("trainable parameters")
    ax.set_ylabel("top-1 test accuracy")
    ax.legend(loc="lower right", fontsize="small")
