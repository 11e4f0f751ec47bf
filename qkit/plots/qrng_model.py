"""Figures of notebooks 02, 04 and 05: the ADC, the min-entropy and the frame test.

Each builder draws numbers computed by :mod:`qkit.qrng` (passed in) on a given ``ax`` or figure;
none computes anything itself beyond choosing what to show.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import is_color_like
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

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
              linewidth=0, gid="adc_pmf")  # touching bars as one artist: much faster to draw than one bar per value
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
    likely = kept_pmf == kept_pmf.max()
    ax.bar(b[likely], kept_pmf[likely], color="C1", width=0.6, label="most likely value")
    if not likely.all():
        ax.bar(b[~likely], kept_pmf[~likely], color="C0", width=0.6, label="other values")
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
    chosen = np.isin(k, kept)
    ax.bar(k[chosen], h_bits[chosen], color="C1", width=0.7, label="kept bits " + ", ".join(map(str, kept)))
    ax.bar(k[~chosen], h_bits[~chosen], color="C0", width=0.7, label="other bits")
    ax.set_xticks(k)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("bit of Z (0 = least significant)")
    ax.set_ylabel("$H_{\\min}$ of the bit (bits)")


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
                             window: tuple[float, float] | None = (150.0, 1000.0), floor: float = 1e-30,
                             level: float | None = 1e-6):
    """Failure probability (log scale, left) and entropy per bit (right, twin axis), Fig. 8.

    The failure probabilities are exact (:func:`qkit.qrng.frames.uniform_failure_curve`), so
    every value is drawn as computed; values below ``floor`` leave the axis instead of being
    drawn at it.

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
        Bottom of the log axis (probability); smaller values are not drawn.
    level : float, optional
        A failure probability marked by a dotted line (the ``1e-6`` that defines "negligible"),
        labelled as a value of the left (failure) axis.

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
    if level is not None:
        level = require_real("level", level, floor, 1.0, low_inclusive=False, high_inclusive=False)
    if window is not None and (not isinstance(window, (tuple, list)) or len(window) != 2):
        raise TypeError(f"window must be (low, high) electrons or None, got {window!r:.60}")
    if window is not None:
        window = tuple(require_real("window", v, 0.0, 1e6) for v in window)
    ax.semilogy(means, np.where(failure >= floor, failure, np.nan), color="C0", label="P(frame fails)",
                gid="frames.failure")
    ax.set_ylim(floor, 2.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, numticks=9))  # plain "1e-12" labels: no mathtext to
    ax.yaxis.set_major_formatter(FuncFormatter(_power_label))      # typeset, a faster redraw
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("mean photoelectrons per pixel μ_e (electrons)")
    ax.set_ylabel(f"P(frame fails)\n(values below {floor:g} not drawn)", color="C0")
    if window is not None:
        ax.axvspan(*window, color="0.93", zorder=0)
        for edge, label in zip(window, (f"paper: negligible failure for μ_e in [{window[0]:g}, {window[1]:g}]",
                                        "_nolegend_")):
            mark_paper_value(ax, edge, label, axis="x")
    if level is not None:
        ax.axhline(level, color="0.35", linestyle=":", linewidth=1)  # a failure level, not an entropy:
        power = np.log10(level)
        shown = _power_label(level) if power == round(power) else f"{level:g}"
        ax.text(0.5, level, f"dotted: P(frame fails) = {shown} (left axis)", transform=ax.get_yaxis_transform(),
                ha="center", va="bottom", fontsize="small", color="0.35")  # labelled on the left scale
    twin = ax.twinx()
    twin.plot(means, entropy, color="C1", label="H_min(Z23|E) per bit", gid="frames.entropy")
    twin.set_ylim(0, 1.02)
    twin.set_ylabel("min-entropy per bit", color="C1")
    twin.grid(False)
    lines = ax.get_legend_handles_labels()
    extra = twin.get_legend_handles_labels()
    ax.legend(lines[0] + extra[0], lines[1] + extra[1], loc="center", fontsize="small")
    return twin


def _power_label(value: float, _position=None) -> str:
    """A tick label of a log axis as plain text: ``1e-12``, ``1``."""
    power = int(round(np.log10(value)))
    return "1" if power == 0 else f"1e{power}"


def plot_mean_map(ax, mean_map: np.ndarray, *, title: str | None = None, vmin: float | None = None,
                  vmax: float | None = None, colorbar: bool = True):
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
    colorbar : bool
        Draw a colour bar beside the map; ``False`` when several maps share one scale and the
        caller draws a single bar (``fig.colorbar(image, ax=axes)``).

    Returns
    -------
    matplotlib.image.AxesImage
        The image, for a shared colour bar.
    """
    _require_axes("ax", ax)
    mean_map = require_array("mean_map", mean_map, ndim=2, low=0.0, min_size=1, unit="electrons")
    _require_text("title", title, optional=True)
    if not isinstance(colorbar, (bool, np.bool_)):
        raise TypeError(f"colorbar must be True or False, got {colorbar!r:.60}")
    vmin = None if vmin is None else require_real("vmin", vmin)
    vmax = None if vmax is None else require_real("vmax", vmax)
    im = ax.imshow(mean_map, cmap="viridis", origin="upper", vmin=vmin, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="μ_e (electrons)", shrink=0.8)
    return im


def draw_adc(fig, view) -> None:
    """The notebook 02 explorer: P(Z) near its mean, P(Z23), and each bit's min-entropy.

    The middle panel keeps one y-range, 0.8 to 1.4 times the uniform 1/4, for every case within
    20 % of uniform (so that a 0.9999-per-bit case looks as fair as it is), and 0 to 1.4 beyond;
    its title gives the largest deviation from 1/4. The legends sit in the room above the bars.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure (cleared by the caller).
    view : qkit.widgets.qrng_model.AdcView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _ADC_FIELDS)
    grid = fixed_grid(fig, 1, 3, left=0.08, right=0.99, bottom=0.15, top=0.86, wspace=0.4,
                      width_ratios=[2.2, 1, 1.3])
    axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
    centre = int(np.argmax(view.z_pmf))
    plot_adc_pmf(axes[0], view.z_pmf, window=(max(centre - 48, 0), min(centre + 48, view.z_pmf.size - 1)))
    plot_kept_bits(axes[1], view.kept_pmf)  # its min-entropy goes in the title
    axes[1].legend(loc="upper center", fontsize="x-small")
    plot_bit_min_entropy(axes[2], view.bit_min_entropy, kept=view.pixel.kept_bits)
    axes[2].set_ylim(0.0, 1.35)
    axes[2].legend(loc="upper center", ncol=2, fontsize="x-small")
    axes[2].set_title("each bit alone")
    _adc_titles(axes, view)


_ADC_FIELDS = ("z_pmf", "kept_pmf", "pixel", "mean", "min_entropy_per_bit", "bit_min_entropy", "largest_deviation")


def _adc_titles(axes, view) -> None:
    """The titles and the middle panel's y-range of :func:`draw_adc`, which follow the view."""
    axes[0].set_title(f"K = {view.pixel.gain:.4f}, $\\mu_e$ = {view.mean:g}")
    uniform = 1.0 / view.kept_pmf.size
    if view.largest_deviation <= 0.2 * uniform:  # the same scale for every nearly fair case
        axes[1].set_ylim(0.8 * uniform, 1.4 * uniform)
    else:
        axes[1].set_ylim(0.0, 1.4)
    axes[1].set_title(f"$Z_{{23}}$: {view.min_entropy_per_bit:.3f} per bit\nlargest |P − 1/4|: "
                      f"{view.largest_deviation:.1e}", fontsize="medium")


def draw_entropy(fig, view) -> None:
    """The notebook 04 explorer: the Fig. 7 curves for the chosen gain and noise, the mean marked.

    Solid: ``H_min(Z23 | E)`` (Eve knows the noise) and ``H_min(Z23)`` (she does not). Dashed,
    when the pixel differs from Table I pixel 1: the same curves for ``view.reference`` (Table I
    noise at the same gain, or Table I pixel 1 at its factory gain when only the gain moved).
    The title gives the largest difference on the operating range. A preview (``view.preview``:
    exact values at a few means, shown while the full curve is computed) is drawn as dots only,
    since lines between so few points would invent the curve's shape, and says so in its legend.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure.
    view : qkit.widgets.qrng_model.EntropyView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("means", "conditional", "unconditional", "mean", "conditional_at_mean",
                                 "unconditional_at_mean", "pixel", "reference_conditional", "compared_with"))
    ax = fig.add_subplot(fixed_grid(fig, left=0.08, bottom=0.13)[0, 0])
    suffix = f" (preview, {view.means.size} points)" if view.preview else ""
    curves = {"Eve knows E: H_min(Z23 | E)" + suffix: view.conditional,
              "she does not: H_min(Z23)": view.unconditional}
    first = len(ax.lines)
    plot_entropy_curve(ax, view.means, curves, marker="o" if view.preview else None)
    if view.preview:
        for line in ax.lines[first:first + len(curves)]:
            line.set_linestyle("none")
    style = dict(linestyle="none", marker="x", markersize=5) if view.preview else dict(linestyle="--", linewidth=1)
    # Always drawn (empty, out of the legend, without a comparison), so that the in-place redraw
    # can fill them when the comparison appears: the figure looks the same either way.
    shown = view.means if view.compared_with else []
    ax.plot(shown, view.reference_conditional if view.compared_with else [], color="C0", alpha=0.7,
            label=(f"{'crosses' if view.preview else 'dashed'}: {view.compared_with}" if view.compared_with
                   else "_nolegend_"), gid="entropy.ref0", **style)
    ax.plot(shown, view.reference_unconditional if view.compared_with else [], color="C1", alpha=0.7,
            gid="entropy.ref1", **style)
    ax.plot([view.mean, view.mean], [view.conditional_at_mean, view.unconditional_at_mean], "o", markersize=7,
            color="k", gid="entropy.marker")
    ax.legend(loc="lower center", bbox_to_anchor=(_plateau_middle(ax, view), 0.02), fontsize="small")
    _entropy_title(ax, view)


_ENTROPY_FIELDS = ("means", "conditional", "unconditional", "mean", "conditional_at_mean", "unconditional_at_mean",
                   "pixel", "reference_conditional", "compared_with")


def _entropy_title(ax, view) -> None:
    """The title of :func:`draw_entropy`: the pixel, the entropy at the mean and the largest change."""
    px = view.pixel
    change = (f"largest difference on [500, 750] from {view.compared_with}: {view.conditional_change:.2g} "
              f"(Eve knows E), {view.unconditional_change:.2g} (she does not)" if view.compared_with else
              "Table I pixel 1: move K, σ_r or μ_dark to compare")
    ax.set_title(f"K = {px.gain:.4f}, σ_r = {px.readout_sigma:g}, μ_dark = {px.dark_mean:g}: "
                 f"{view.conditional_at_mean:.4f} per bit at μ_e = {view.mean:g}\n{change}", fontsize="medium",
                 y=1.0)  # where matplotlib puts it; given, so no draw measures every tick label to place it


def _plateau_middle(ax, view) -> float:
    """Middle of the means where every drawn curve is above 0.5, in axes fraction (0.2 to 0.8).

    The legend sits there, under the plateau: clear of the weak-light rise on the left and of
    the collapse, which moves left as the gain grows (near mu_e = 850 at K = 1.2).
    """
    curves = [view.conditional, view.unconditional]
    if view.compared_with:
        curves += [view.reference_conditional, view.reference_unconditional]
    high = np.all(np.asarray(curves) >= 0.5, axis=0)
    if not high.any():
        return 0.5
    start = int(np.argmax(high))
    falls = np.flatnonzero(~high[start:])
    end = start + int(falls[0]) - 1 if falls.size else high.size - 1
    low, top = ax.get_xlim()
    middle = ((view.means[start] + view.means[end]) / 2 - low) / (top - low)
    return float(np.clip(middle, 0.2, 0.8))


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
    ax = fig.add_subplot(fixed_grid(fig, left=0.12, right=0.92, bottom=0.13)[0, 0])
    plot_failure_and_entropy(ax, view.means, view.failure, view.entropy, window=(150.0, 1000.0))
    _frames_title(ax, view)


def _frames_title(ax, view) -> None:
    """The title of :func:`draw_frames`: the rule, the pixels and the window of negligible failure."""
    r = view.rule
    rule = f"T- = {r.low_threshold}, T+ = {r.high_threshold}, N- = {r.max_low}, N+ = {r.max_high}"
    pixels = f"{view.n_pixels} pixel" + ("" if view.n_pixels == 1 else "s")
    if view.window is None:
        ax.set_title(f"{rule}, {pixels}: no mean keeps failure below 1e-6")
    elif view.n_pixels <= min(r.max_low, r.max_high):  # the curve is 0, below the axis
        ax.set_title(f"{rule}, {pixels}: no frame can fail (n- and n+ never exceed {view.n_pixels})")
    else:
        ax.set_title(f"{rule}, {pixels}: failure < 1e-6 for μ_e in "
                     f"[{view.window[0]:.0f}, {view.window[1]:.0f}]")
