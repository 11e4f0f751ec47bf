"""Figures of notebooks 02, 04 and 05: the ADC, the min-entropy and the frame test.

Each builder draws numbers computed by :mod:`qkit.qrng` (passed in) on a given ``ax`` or figure;
none computes anything itself beyond choosing what to show.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import is_color_like

from qkit.plots import PAPER_COLOR, mark_paper_value
from qkit._validate import require_array, require_integer, require_real
from qkit.plots import _require_axes, _require_figure, _require_series, _require_text, _require_view
from qkit.plots._layout import fixed_grid

__all__ = [
    "plot_adc_pmf",
    "plot_kept_bits",
    "plot_bit_min_entropy",
    "plot_entropy_curve",
    "plot_failure_and_entropy",
    "plot_mean_map",
    "draw_adc",
    "draw_entropy",
    "draw_frames",
]


def plot_adc_pmf(ax, z_pmf: np.ndarray, *, window: tuple[int, int] | None = None, label: str | None = None,
                 color: str = "C0") -> None:
    """Bars of ``P(Z = z)`` (Fig. 2a), optionally on a window of ADC outputs.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    z_pmf : array, shape (adc_max + 1,)
        ``P(Z = z)`` from :func:`qkit.qrng.sensor.adc_pmf`.
    window : (int, int), optional
        First and last ADC output shown (ADC steps).
    label, color : str, optional
        Legend label and bar colour.
    """
    _require_axes("ax", ax)
    z_pmf = require_array("z_pmf", z_pmf, ndim=1, low=0.0, min_size=1, unit="probabilities")
    if window is not None:
        if not isinstance(window, (tuple, list)) or len(window) != 2:
            raise TypeError(f"window must be (first, last) ADC outputs or None, got {window!r:.60}")
        window = (require_integer("window", window[0], 0, z_pmf.size - 1), require_integer("window", window[1], 0, z_pmf.size - 1))
    _require_text("label", label, optional=True)
    _require_text("color", color)
    if not is_color_like(color):
        raise ValueError(f"color must be a matplotlib colour such as 'C0' or '#0072B2', got {color!r:.60}")
    z = np.arange(z_pmf.size)
    lo, hi = window if window is not None else (0, z_pmf.size - 1)
    sel = (z >= lo) & (z <= hi)
    ax.stairs(z_pmf[sel], np.append(z[sel], z[sel][-1] + 1) - 0.5, fill=True, color=color, label=label,
              linewidth=0)  # touching bars as one artist: much faster to draw than one bar per value
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.set_xlabel("ADC output Z (ADC steps)")
    ax.set_ylabel("P(Z = z)")


def plot_kept_bits(ax, kept_pmf: np.ndarray, *, paper_value: float | None = None, h_per_bit: float | None = None) -> None:
    """Bars of ``P(Z23 = b)`` (Fig. 2b) with the uniform level and the most likely value marked.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    kept_pmf : array, shape (2**k,)
        ``P(Z23 = b)``.
    paper_value, h_per_bit : float, optional
        The paper's and the model's min-entropy per bit, written on the plot.
    """
    _require_axes("ax", ax)
    kept_pmf = require_array("kept_pmf", kept_pmf, ndim=1, low=0.0, high=1.0, min_size=2, unit="probabilities")
    if kept_pmf.size & (kept_pmf.size - 1):
        raise ValueError(f"kept_pmf must have 2**k entries, got {kept_pmf.size}")
    for name, value in (("paper_value", paper_value), ("h_per_bit", h_per_bit)):
        if value is not None:
            require_real(name, value, 0.0, 1.0)
    b = np.arange(kept_pmf.size)
    n_bits = int(np.log2(kept_pmf.size))
    colors = ["C1" if p == kept_pmf.max() else "C0" for p in kept_pmf]
    ax.bar(b, kept_pmf, color=colors, width=0.6)
    ax.axhline(1 / kept_pmf.size, color="0.3", linewidth=0.8, linestyle=":", label="uniform")
    ax.set_xticks(b, [format(int(v), f"0{n_bits}b") for v in b])
    ax.set_xlabel("kept bits (bit 3, bit 2)" if n_bits == 2 else "kept bits")
    ax.set_ylabel("probability")
    spread = max(kept_pmf.max() - kept_pmf.min(), 1e-3)
    ax.set_ylim(max(0.0, kept_pmf.min() - 1.5 * spread), kept_pmf.max() + 1.5 * spread)
    text = []
    if h_per_bit is not None:
        text.append(f"model: {h_per_bit:.3f} per bit")
    if paper_value is not None:
        text.append(f"paper: {paper_value:.3f} per bit")
    if text:
        ax.text(0.02, 0.97, "\n".join(text), transform=ax.transAxes, va="top", fontsize="small",
                color=PAPER_COLOR if paper_value is not None else "0.2")


def plot_bit_min_entropy(ax, h_bits: np.ndarray, *, kept: tuple[int, ...] = (2, 3)) -> None:
    """Min-entropy of each single bit of ``Z`` (bits), the kept bits highlighted.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    h_bits : array, shape (adc_bits,)
        Min-entropy of bit ``k`` alone, in bits.
    kept : tuple of int
        Bits to highlight.
    """
    _require_axes("ax", ax)
    h_bits = require_array("h_bits", h_bits, ndim=1, low=0.0, min_size=1, unit="bits")
    if not isinstance(kept, (tuple, list)):
        raise TypeError(f"kept must be a tuple of bit positions, got {kept!r:.60}")
    kept = tuple(require_integer("kept", k, 0, h_bits.size - 1) for k in kept)
    k = np.arange(h_bits.size)
    ax.bar(k, h_bits, color=["C1" if i in kept else "C0" for i in k], width=0.7)
    ax.set_xticks(k)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("bit of Z (0 = least significant)")
    ax.set_ylabel("H_min of the bit (bits)")


def plot_entropy_curve(ax, means: np.ndarray, curves: dict, *, paper_value: float | None = 0.98,
                       operating_range: tuple[float, float] | None = (500.0, 750.0),
                       marker: str | None = None) -> None:
    """Min-entropy per bit against the mean photoelectron number (Fig. 7), one line per curve.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    means : array
        Mean photoelectron numbers (electrons).
    curves : dict of str to array
        Legend label -> min-entropy per bit at ``means``.
    paper_value : float, optional
        The paper's bound, drawn dashed (0.98 of Fig. 7).
    operating_range : (float, float), optional
        Shaded range of means (electrons).
    marker : str, optional
        Marker at each computed mean (e.g. ``"o"`` to show where a coarse curve was computed).
    """
    _require_axes("ax", ax)
    means = require_array("means", means, ndim=1, low=0.0, min_size=1, unit="electrons")
    curves = _require_series("curves", curves, length=means.size, low=0.0)
    if paper_value is not None:
        paper_value = require_real("paper_value", paper_value, 0.0, 1.0)
    if operating_range is not None and (not isinstance(operating_range, (tuple, list)) or len(operating_range) != 2):
        raise TypeError(f"operating_range must be (low, high) electrons or None, got {operating_range!r:.60}")
    if operating_range is not None:
        operating_range = tuple(require_real("operating_range", v, 0.0, 1e6) for v in operating_range)
    _require_text("marker", marker, optional=True)
    if operating_range is not None:
        ax.axvspan(*operating_range, color="0.9", zorder=0, label="operating range (Sec. IV)")
    for i, (label, h) in enumerate(curves.items()):
        ax.plot(means, h, color=f"C{i}", label=label, marker=marker, markersize=4)
    if paper_value is not None:
        mark_paper_value(ax, paper_value, f"paper: > {paper_value} per bit (Fig. 7)")
    ax.set_xlabel("mean photoelectrons μ_e (electrons)")
    ax.set_ylabel("min-entropy per bit")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower center", fontsize="small")


def plot_failure_and_entropy(ax, means: np.ndarray, failure: np.ndarray, entropy: np.ndarray, *,
                             window: tuple[float, float] | None = (150.0, 1000.0), floor: float = 1e-14,
                             budget: float | None = None):
    """Failure probability (log scale, left) and entropy per bit (right, twin axis), Fig. 8.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    means : array
        Mean photoelectrons per pixel (electrons).
    failure, entropy : array
        ``P(frame fails)`` and the min-entropy per bit at ``means``.
    window : (float, float), optional
        The paper's range of negligible failure, shaded.
    floor : float
        Smallest probability drawn on the log axis.
    budget : float, optional
        The truncation budget of the failure probability (``n_pixels * 1e-12``): values below it
        are not physical, and the band up to it is hatched.

    Returns
    -------
    matplotlib.axes.Axes
        The twin axis.
    """
    _require_axes("ax", ax)
    means = require_array("means", means, ndim=1, low=0.0, min_size=1, unit="electrons")
    failure = require_array("failure", failure, shape=means.shape, low=0.0, high=1.0)
    entropy = require_array("entropy", entropy, shape=means.shape, low=0.0, high=1.0)
    floor = require_real("floor", floor, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if budget is not None:
        budget = require_real("budget", budget, 0.0, 1.0)
    if window is not None and (not isinstance(window, (tuple, list)) or len(window) != 2):
        raise TypeError(f"window must be (low, high) electrons or None, got {window!r:.60}")
    if window is not None:
        window = tuple(require_real("window", v, 0.0, 1e6) for v in window)
    ax.semilogy(means, np.maximum(failure, floor), color="C0", label="P(frame fails)")
    ax.set_ylim(floor, 2.0)
    ax.set_xlabel("mean photoelectrons per pixel μ_e (electrons)")
    ax.set_ylabel("P(frame fails)", color="C0")
    if window is not None:
        ax.axvspan(*window, color="0.93", zorder=0)
        for edge, label in zip(window, (f"paper: negligible failure for μ_e in [{window[0]:g}, {window[1]:g}]",
                                        "_nolegend_")):
            mark_paper_value(ax, edge, label, axis="x")
    if budget is not None:
        ax.axhspan(floor, budget, facecolor="none", edgecolor="0.6", hatch="///", linewidth=0, zorder=0,
                   label=f"truncation budget (< {budget:.0e}): not physical")
    twin = ax.twinx()
    twin.plot(means, entropy, color="C1", label="H_min(Z23|E) per bit")
    twin.set_ylim(0, 1.02)
    twin.set_ylabel("min-entropy per bit", color="C1")
    twin.grid(False)
    lines = ax.get_legend_handles_labels()
    extra = twin.get_legend_handles_labels()
    ax.legend(lines[0] + extra[0], lines[1] + extra[1], loc="center", fontsize="small")
    return twin


def plot_mean_map(ax, mean_map: np.ndarray, *, title: str | None = None, vmin: float | None = None,
                  vmax: float | None = None):
    """Image of a frame's mean photoelectron numbers (electrons per pixel).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    mean_map : 2-D array
        ``mu_e`` per pixel (electrons).
    title : str, optional
        Axes title.
    vmin, vmax : float, optional
        Colour scale limits (electrons).
    """
    _require_axes("ax", ax)
    mean_map = require_array("mean_map", mean_map, ndim=2, low=0.0, min_size=1, unit="electrons")
    _require_text("title", title, optional=True)
    vmin = None if vmin is None else require_real("vmin", vmin)
    vmax = None if vmax is None else require_real("vmax", vmax)
    im = ax.imshow(mean_map, cmap="viridis", origin="upper", vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label="μ_e (electrons)", shrink=0.8)
    return im


def draw_adc(fig, view) -> None:
    """The notebook 02 explorer: P(Z) near its mean, P(Z23), and each bit's min-entropy.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure (cleared by the caller).
    view : qkit.widgets.qrng_model.AdcView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("z_pmf", "kept_pmf", "pixel", "mean", "min_entropy_per_bit", "bit_min_entropy"))
    grid = fixed_grid(fig, 1, 3, left=0.06, right=0.99, bottom=0.15, top=0.88, wspace=0.35,
                      width_ratios=[2.2, 1, 1.3])
    axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
    centre = int(np.argmax(view.z_pmf))
    plot_adc_pmf(axes[0], view.z_pmf, window=(max(centre - 48, 0), min(centre + 48, view.z_pmf.size - 1)))
    axes[0].set_title(f"K = {view.pixel.gain:.4f}, μ_e = {view.mean:g}")
    plot_kept_bits(axes[1], view.kept_pmf, h_per_bit=view.min_entropy_per_bit)
    axes[1].set_title(f"Z23: {view.min_entropy_per_bit:.3f} per bit")
    plot_bit_min_entropy(axes[2], view.bit_min_entropy, kept=view.pixel.kept_bits)
    axes[2].set_title("each bit alone")


def draw_entropy(fig, view) -> None:
    """The notebook 04 explorer: the Fig. 7 curve for the chosen noise, the chosen mean marked.

    A preview (``view.preview``: exact values at a few means, shown while the full curve is
    computed) is drawn with a marker at each computed mean and says so in its legend.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure.
    view : qkit.widgets.qrng_model.EntropyView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("means", "conditional", "unconditional", "mean", "conditional_at_mean", "pixel"))
    ax = fig.add_subplot(fixed_grid(fig, left=0.08, bottom=0.13)[0, 0])
    suffix = f" (preview: {view.means.size} exact points)" if view.preview else ""
    curves = {"H_min(Z23 | E): noise known to Eve" + suffix: view.conditional,
              "H_min(Z23): noise not known to Eve": view.unconditional}
    plot_entropy_curve(ax, view.means, curves, marker="o" if view.preview else None)
    ax.plot([view.mean], [view.conditional_at_mean], "o", color="C0", markersize=8)
    ax.set_title(f"σ_r = {view.pixel.readout_sigma:g}, μ_dark = {view.pixel.dark_mean:g}: "
                 f"{view.conditional_at_mean:.4f} per bit at μ_e = {view.mean:g}")


def draw_frames(fig, view) -> None:
    """The notebook 05 explorer: failure of a uniformly lit frame and the entropy, twin axes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure.
    view : qkit.widgets.qrng_model.FrameView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("means", "failure", "entropy", "rule", "n_pixels", "window"))
    ax = fig.add_subplot(fixed_grid(fig, left=0.09, right=0.92, bottom=0.13)[0, 0])
    plot_failure_and_entropy(ax, view.means, view.failure, view.entropy, window=(150.0, 1000.0),
                             budget=view.n_pixels * 1e-12)
    r = view.rule
    rule = f"T- = {r.low_threshold}, T+ = {r.high_threshold}, N- = {r.max_low}, N+ = {r.max_high}"
    if view.window is None:
        ax.set_title(f"{rule}: no mean keeps failure below 1e-6")
    else:
        ax.set_title(f"{rule}, {view.n_pixels} pixels: failure < 1e-6 for μ_e in "
                     f"[{view.window[0]:.0f}, {view.window[1]:.0f}]")
