"""Figures of notebooks 01 (Poisson photons) and 03 (characterising the chip).

Each ``draw_*(fig, view)`` draws a view computed by :mod:`qkit.widgets.qrng_char` (or by hand
from the cores) and computes nothing itself.
"""

from __future__ import annotations

from qkit._validate import require_array, require_integer, require_real
from qkit.plots import _require_axes, _require_figure, _require_view

import numpy as np
from matplotlib import cm, colormaps, colors

from qkit.plots import PAPER_COLOR, mark_paper_value
from qkit.plots._layout import autoscale_to, find_artist, fixed_grid, relabel_legend
from qkit.qrng.pixel import FACTORY_GAIN

__all__ = [
    "draw_multimode",
    "redraw_multimode",
    "draw_thinning",
    "redraw_thinning",
    "draw_dark_histograms",
    "draw_dark_fit",
    "redraw_dark_fit",
    "fit_summary",
    "draw_pulls",
    "draw_transfer",
    "draw_pair_histogram",
    "draw_autocorrelation",
    "draw_correlations",
]


def _shown(*pmfs: np.ndarray, floor: float = 1e-5) -> np.ndarray:
    """Indices where any pmf is above ``floor`` times the largest value (the visible range)."""
    keep = np.zeros(pmfs[0].shape, dtype=bool)
    for p in pmfs:
        keep |= p > floor * p.max()
    idx = np.flatnonzero(keep)
    return np.arange(idx[0], idx[-1] + 1)


def _power_text(x: float) -> str:
    """``x`` for a figure: plain up to 10,000 (``1``, ``17.8``, ``3,162``), else mathtext ``1.8 × 10^6``."""
    if x < 1e4:
        return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"
    mantissa, power = f"{x:.1e}".split("e")
    mantissa = mantissa.removesuffix(".0")
    return (f"$10^{{{int(power)}}}$" if mantissa == "1" else f"${mantissa} \\times 10^{{{int(power)}}}$")


def draw_multimode(fig, view) -> None:
    """Negative binomial of ``M`` thermal modes against the Poisson pmf (a ``ModesView``).

    The title says how many samples would tell the two laws apart (``view.samples_to_tell``).
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("counts", "thermal", "poisson", "modes", "fano", "distance", "samples_to_tell"))
    ax = fig.add_subplot(fixed_grid(fig, left=0.1, bottom=0.13)[0, 0])
    ax.stairs([0.0], [0.0, 1.0], fill=True, color="C0", alpha=0.6, label="M",
              gid="multimode.thermal")  # one artist, not one bar per count
    ax.plot([0.0], [0.0], "o-", color="C1", markersize=3, label="Poisson, same mean", gid="multimode.poisson")
    ax.set_xlabel("photons in one integration time, n")
    ax.set_ylabel("probability")
    ax.legend(loc="upper right")
    _set_multimode(ax, view)


def redraw_multimode(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_multimode` to show ``view``; False if it cannot."""
    _require_figure("fig", fig)
    _require_view("view", view, ("counts", "thermal", "poisson", "modes", "fano", "distance", "samples_to_tell"))
    if find_artist(fig, "multimode.thermal") is None:
        return False
    _set_multimode(fig.axes[0], view)
    return True


def _set_multimode(ax, view) -> None:
    """Put ``view``'s numbers on the artists of :func:`draw_multimode` and rescale."""
    fig = ax.get_figure()
    k = _shown(view.thermal, view.poisson, floor=1e-3)
    modes = "1 thermal mode" if view.modes == 1 else f"{_power_text(view.modes)} thermal modes"
    thermal = find_artist(fig, "multimode.thermal")
    edges = np.append(view.counts[k], view.counts[k][-1] + 1) - 0.5
    thermal.set_data(view.thermal[k], edges)
    thermal.set_label(f"M = {modes}")
    find_artist(fig, "multimode.poisson").set_data(view.counts[k], view.poisson[k])
    relabel_legend(ax)
    autoscale_to(ax, (edges, np.append(view.thermal[k], 0.0)), (view.counts[k], view.poisson[k]))
    needed = view.samples_to_tell
    verdict = ("clearly wider than Poisson" if needed < 10 else
               f"about {_power_text(needed)} samples needed to tell it from Poisson")
    fano = f"{view.fano:.4g}" if view.fano - 1 >= 1e-3 else f"1 + {view.fano - 1:.1e}"
    ax.set_title(f"Fano factor {fano}: {verdict}", y=1.0)  # where matplotlib puts it, without measuring the axes


def draw_thinning(fig, view) -> None:
    """Sampled photoelectron histogram against the exact ``Poisson(eta mu_ph)`` (a ``ThinningView``).

    The title gives the sample size, the sample Fano factor with its standard error and the
    chi-square p-value, and says whether the test rejects the Poisson law at the 1 % level.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _THINNING_FIELDS)
    ax = fig.add_subplot(fixed_grid(fig, left=0.1, bottom=0.13)[0, 0])
    ax.stairs([0.0], [0.0, 1.0], fill=True, color="C0", alpha=0.6, label="samples", gid="thinning.observed")
    ax.plot([0.0], [0.0], "o-", color="C1", markersize=3, label="exact", gid="thinning.exact")
    ax.set_xlabel("photoelectrons in one integration time, k")
    ax.set_ylabel("probability")
    ax.legend(loc="upper right")
    _set_thinning(ax, view)


_THINNING_FIELDS = ("counts", "observed", "exact", "n_samples", "sample_mean", "sample_variance", "fano",
                    "fano_error", "test")


def redraw_thinning(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_thinning` to show ``view``; False if it cannot."""
    _require_figure("fig", fig)
    _require_view("view", view, _THINNING_FIELDS)
    if find_artist(fig, "thinning.observed") is None:
        return False
    _set_thinning(fig.axes[0], view)
    return True


def _set_thinning(ax, view) -> None:
    """Put ``view``'s numbers on the artists of :func:`draw_thinning` and rescale."""
    fig = ax.get_figure()
    k = _shown(view.exact, floor=1e-4)
    observed = find_artist(fig, "thinning.observed")
    edges, heights = np.append(view.counts[k], view.counts[k][-1] + 1) - 0.5, view.observed[k] / view.n_samples
    observed.set_data(heights, edges)
    observed.set_label(f"{view.n_samples:,} samples"
                       + (" (preview; more coming)" if getattr(view, "preview", False) else ""))
    exact = find_artist(fig, "thinning.exact")
    exact.set_data(view.counts[k], view.exact[k])
    exact.set_label(f"exact Poisson(ημ = {view.mean_photons * view.efficiency:.3g})")
    relabel_legend(ax)
    autoscale_to(ax, (edges, np.append(heights, 0.0)), (view.counts[k], view.exact[k]))
    if view.fano is None:  # every sample was 0: the ratio is undefined, say so rather than print nan
        ax.set_title(f"{view.n_samples:,} samples, no photoelectron: variance/mean undefined")
    else:
        verdict = "χ² rejects Poisson at 1 %" if view.test.p_value < 0.01 else "consistent with Poisson"
        ax.set_title(f"{view.n_samples:,} samples: variance/mean = {view.fano:.3f} ± {view.fano_error:.3f}, "
                     f"χ² p = {view.test.p_value:.2f}: {verdict}", fontsize="medium")


def draw_dark_histograms(ax, pmf_default: np.ndarray, pmf_shifted: np.ndarray, offset_steps: float = 8.0) -> None:
    """Exact dark pmfs at the default ADC offset and shifted by ``offset_steps`` (Fig. 5)."""
    _require_axes("ax", ax)
    pmf_default = require_array("pmf_default", pmf_default, ndim=1, low=0.0, min_size=2)
    pmf_shifted = require_array("pmf_shifted", pmf_shifted, shape=pmf_default.shape, low=0.0)
    offset_steps = require_real("offset_steps", offset_steps, -1024, 1024, unit="ADC steps")
    k = _shown(pmf_default, pmf_shifted, floor=1e-6)
    z = np.arange(pmf_default.size)[k]
    ax.bar(z - 0.2, pmf_default[k], width=0.4, color="C1", label="default offset: piled at Z = 0")
    ax.bar(z + 0.2, pmf_shifted[k], width=0.4, color="C0", label=f"offset shifted by +{offset_steps:g} steps")
    ax.set_xlabel("ADC output with the LED off, Z_E (ADC steps)")
    ax.set_ylabel("probability")
    ax.set_title(f"Shifting the offset by +{offset_steps:g} reveals the whole dark distribution")
    ax.legend(loc="upper right")


def fit_summary(fit, truth=None) -> str:
    """One line: fitted noise parameters with error bars (and the truth, if known)."""
    _require_view("fit", fit, ("names", "pixel", "value", "error"))
    if truth is not None:
        _require_view("truth", truth, ("readout_mean", "readout_sigma", "dark_mean", "gain"))
    parts = []
    for name, label in (("readout_mean", "μ_r"), ("readout_sigma", "σ_r"), ("dark_mean", "μ_dark"), ("gain", "K")):
        if name not in fit.names:
            continue
        value = fit.pixel.readout_mean if name == "readout_mean" else fit.value(name)
        text = f"{label} = {value:.3f} ± {fit.error(name):.3f}"
        if truth is not None:
            text += f" (true {getattr(truth, name):g})"
        parts.append(text)
    return "; ".join(parts)


def draw_dark_fit(fig, view) -> None:
    """A sampled dark histogram with the exact and, when there is one, the fitted pmf (a ``DarkFitView``).

    Without a meaningful fit (``view.fit`` is None) the title says why in a few words; the full
    sentence is ``view.verdict``.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _DARK_FIT_FIELDS)
    ax = fig.add_subplot(fixed_grid(fig, left=0.1, bottom=0.13)[0, 0])
    ax.stairs([0.0], [0.0, 1.0], fill=True, color="C0", alpha=0.5, label="readings", gid="dark_fit.counts")
    ax.plot([0.0], [0.0], "o", color="C1", markersize=4, label="exact pmf (Eq. 4, true parameters)",
            gid="dark_fit.exact")
    ax.step([0.0], [0.0], where="mid", color="C2", label="maximum-likelihood fit", gid="dark_fit.fitted")
    ax.set_ylabel("probability")
    _set_dark_fit(ax, view)


_DARK_FIT_FIELDS = ("counts", "exact", "fit", "fitted", "pulls", "clipped", "verdict", "offset_steps")


def redraw_dark_fit(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_dark_fit` to show ``view``; False if it cannot.

    The fitted curve is hidden (and left out of the legend) while there is no fit.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _DARK_FIT_FIELDS)
    if find_artist(fig, "dark_fit.counts") is None or find_artist(fig, "dark_fit.fitted") is None:
        return False
    _set_dark_fit(fig.axes[0], view)
    return True


def _set_dark_fit(ax, view) -> None:
    """Put ``view``'s numbers on the artists of :func:`draw_dark_fit`, rescale and title it."""
    fig = ax.get_figure()
    pmfs = (view.exact,) if view.fitted is None else (view.exact, view.fitted)
    k = _shown(*pmfs, floor=1e-5)
    z = np.arange(view.counts.size)[k]
    n = view.counts.sum()
    counts = find_artist(fig, "dark_fit.counts")
    edges, heights = np.append(z, z[-1] + 1) - 0.5, view.counts[k] / n
    counts.set_data(heights, edges)
    counts.set_label(f"{n:,} dark readings")
    find_artist(fig, "dark_fit.exact").set_data(z, view.exact[k])
    drawn = [(edges, np.append(heights, 0.0)), (z, view.exact[k])]
    fitted = find_artist(fig, "dark_fit.fitted")
    fitted.set_visible(view.fitted is not None)
    fitted.set_label("_no fit" if view.fitted is None else "maximum-likelihood fit")
    if view.fitted is not None:
        fitted.set_data(z, view.fitted[k])
        drawn.append((z, view.fitted[k]))
    legend = ax.get_legend()
    if legend is None or len(legend.get_texts()) != len(ax.get_legend_handles_labels()[1]):
        ax.legend(loc="upper right")  # the entries changed (the fit came or went): a new legend
    else:
        relabel_legend(ax)
    autoscale_to(ax, *drawn)
    ax.set_xlabel(f"ADC output with the LED off, offset +{view.offset_steps:g} steps")
    planned = getattr(view, "planned_frames", None)
    if view.preview and planned:
        title = f"Quick look: {n:,} of {planned:,} readings (sampling all, then fitting...)"
    elif view.preview:
        title = "Dark histogram and exact pmf (fitting...)"
    elif view.fit is None:
        title = "No fit: " + _no_fit_reason(view)
    elif not np.all(np.abs(view.pulls) < 3):
        title = "Fit misses the truth by more than 3 error bars"
    elif view.verdict:
        title = "Another comb fits almost as well: error bars too small"
    else:
        title = "Fit recovers the truth within 3 error bars"
    ax.set_title(title, y=1.0)  # where matplotlib puts it over axes without top ticks, without measuring them


def _no_fit_reason(view) -> str:
    """A few words for the title from the verdict of a view without a fit."""
    if view.clipped > 0.5:
        return "over half the readings at Z = 0 (the explorer's rule)"
    for start, words in (("the fit did not converge", "the fit did not converge"),
                         ("the data cannot separate", "the data cannot separate two parameters"),
                         ("the data cannot pin", "a parameter is not pinned down")):
        if view.verdict.startswith(start):
            return words
    return "the likelihood has no clear optimum here"


def draw_pulls(ax, pulls: np.ndarray, names=("μ_r", "σ_r", "μ_dark")) -> None:
    """Histogram of fit pulls ``(fit - truth) / error`` over repeated data sets, with N(0, 1)."""
    _require_axes("ax", ax)
    pulls = require_array("pulls", pulls, ndim=2, min_size=1)
    if not isinstance(names, (tuple, list)) or len(names) != pulls.shape[1]:
        raise ValueError(f"names must give one label per column of pulls ({pulls.shape[1]}), got {names!r:.60}")
    pulls = np.asarray(pulls)
    edges = np.linspace(-4, 4, 17)
    ax.hist([pulls[:, i] for i in range(pulls.shape[1])], bins=edges, density=True, label=list(names),
            color=[f"C{i}" for i in range(pulls.shape[1])], alpha=0.7)
    grid = np.linspace(-4, 4, 200)
    ax.plot(grid, np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi), color="k", label="N(0, 1)")
    ax.set_xlabel("pull = (fit − truth) / error bar")
    ax.set_ylabel("density")
    ax.set_title(f"Error bars are honest: mean squared pull {np.mean(pulls**2):.2f} (ideal 1)")
    ax.legend(loc="upper right")


def draw_transfer(fig, view, *, paper_gain: float = FACTORY_GAIN) -> None:
    """Histograms at several light levels (Fig. 4a) and variance against mean (Fig. 4b)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("counts", "levels", "fitted", "curve", "means", "variances"))
    paper_gain = require_real("paper_gain", paper_gain, 0.0, 100.0, low_inclusive=False)
    grid = fixed_grid(fig, 1, 2, left=0.09, right=0.99, bottom=0.13, wspace=0.27)
    left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    z = np.arange(view.counts.shape[1])
    levels = np.asarray(view.levels, dtype=float)
    norm = colors.Normalize(levels.min(), levels.max()) if levels.max() > levels.min() else colors.Normalize()
    cmap = colormaps["viridis"]  # sequential: dim to bright, however many levels
    for row, level in zip(view.counts, levels):
        k = _shown(row.astype(float), floor=1e-3)
        left.plot(z[k], row[k] / row.sum(), linewidth=1.0, color=cmap(0.9 * norm(level)), gid="transfer.level")
    unclipped = view.counts[view.fitted]
    left.set_ylim(0.0, 1.35 * (unclipped / unclipped.sum(axis=1, keepdims=True)).max())
    left.set_xlabel("ADC output Z (ADC steps)")
    left.set_ylabel("frequency")
    left.set_title("One pixel, several LED currents", y=1.0)  # y given: see _transfer_title
    bar_axes = left.inset_axes([0.45, 0.88, 0.5, 0.05])  # above the peaks, inside the axes
    bar = fig.colorbar(cm.ScalarMappable(norm=norm, cmap=colors.ListedColormap(cmap(np.linspace(0, 0.9, 256)))),
                       cax=bar_axes, orientation="horizontal")
    bar.ax.tick_params(labelsize=8)
    bar.set_label(r"mean photoelectrons $\mu_e$ (e$^-$)", fontsize=8, labelpad=1)
    bar.ax.xaxis.set_label_position("top")
    c = view.curve
    sampled = right.errorbar(c.means, c.variances, yerr=c.variance_errors, fmt="o", color="C0",
                             label="sampled, fitted")
    sampled.lines[0].set_gid("transfer.sampled")  # the points; lines[2][0]: their error bars
    sampled.lines[2][0].set_gid("transfer.bars")
    out = ~view.fitted  # always drawn (empty, out of the legend, when nothing is clipped): see redraw
    right.plot(view.means[out], view.variances[out], "s", color=PAPER_COLOR, gid="transfer.clipped",
               label="clipped, left out" if out.any() else "_clipped")
    right.plot(view.exact_means, view.exact_variances, "x", color="C1", label="exact (from P(Z))",
               gid="transfer.exact")
    grid = np.linspace(0.0, max(view.means.max(), 1.0), 50)
    right.plot(grid, c.intercept + c.gain * grid, color="C2", label=f"fit: slope {c.gain:.4f} ± {c.gain_error:.4f}",
               gid="transfer.fit")
    right.plot(grid, grid, ":", color="0.5", label="Var = mean (pure Poisson, K = 1)", gid="transfer.identity")
    right.set_xlabel("mean of Z (ADC steps)")
    right.set_ylabel("variance of Z (ADC steps²)")
    _transfer_title(right, view, paper_gain)
    right.legend(loc="upper left", fontsize=8)


def _transfer_title(ax, view, paper_gain: float = FACTORY_GAIN) -> None:
    """The title of the photon transfer panel of :func:`draw_transfer`."""
    clipped = not np.all(view.fitted)
    # y given (where matplotlib would put it: nothing rises above the axes), so no draw measures every tick
    # label to place the title, a fifth of the explorer's render.
    ax.set_title("Clipping bends the line" if clipped else f"Linear, slope K·F (paper K = {paper_gain})", y=1.0)


def draw_pair_histogram(ax, summary, *, paper_sigma: float | None = None) -> None:
    """Histogram of the pair coefficients with the normal law of width 1/sqrt(N) (Fig. 6a).

    The coefficients are drawn in units of 10^-3 so that the tick labels stay short.
    """
    _require_axes("ax", ax)
    _require_view("summary", summary, ("pairs", "spread", "pair_std", "pairs_outside", "n_frames"))
    if paper_sigma is not None:
        paper_sigma = require_real("paper_sigma", paper_sigma, 0.0, 1.0, low_inclusive=False)
    scale = 1e3
    spread = summary.spread
    width = max(5 * spread, 1.2 * np.abs(summary.pairs).max())
    ax.hist(summary.pairs * scale, bins=40, range=(-width * scale, width * scale), density=True, color="C0",
            alpha=0.6, label=f"{summary.pairs.size:,} pairs, σ = {summary.pair_std * scale:.2f}e-3")
    grid = np.linspace(-width, width, 200)
    ax.plot(grid * scale, np.exp(-0.5 * (grid / spread) ** 2) / (spread * scale * np.sqrt(2 * np.pi)),
            color="C1", label=f"normal, σ = 1/√N = {spread * scale:.2f}e-3", gid="pairs.normal")
    if paper_sigma is not None:
        for sign in (-1, 1):
            mark_paper_value(ax, sign * paper_sigma * scale,
                             f"paper: ±σ = {paper_sigma * scale:.2f}e-3" if sign > 0 else "_nolegend_", axis="x")
    top = ax.get_ylim()[1]
    ax.set_ylim(0, 1.4 * top)  # room for the legend above the histogram
    ax.set_xlabel(r"Pearson coefficient $\rho_{ij}$ (units of 10⁻³)")
    ax.set_ylabel("density (per 10⁻³)")
    quiet = summary.pairs_outside < 0.05
    ax.set_title(f"Pixel pairs, N = {summary.n_frames:,}: " + ("independent" if quiet else "correlated"),
                 color="black" if quiet else PAPER_COLOR)
    ax.legend(loc="upper left", fontsize=8)


def draw_autocorrelation(ax, summary, *, pixels: int = 4) -> None:
    """Autocorrelation of the first pixels against lag, with the ±σ and 99 % (±2.576σ) bands (Fig. 6b)."""
    _require_axes("ax", ax)
    _require_view("summary", summary, ("lags", "spread", "multiplier", "lags_outside", "n_frames"))
    pixels = require_integer("pixels", pixels, 1, 64)
    lags = np.arange(1, summary.lags.shape[1] + 1)
    for i, row in enumerate(summary.lags[:pixels]):
        ax.plot(lags, row, "o-", markersize=3, linewidth=1.0, label=f"pixel {i + 1}", gid=f"lags.pixel{i}")
    for band, (mult, style) in enumerate(((1.0, "-"), (summary.multiplier, "--"))):
        ax.axhline(mult * summary.spread, color="0.5", linestyle=style, linewidth=1.0, gid=f"lags.band{band}+")
        ax.axhline(-mult * summary.spread, color="0.5", linestyle=style, linewidth=1.0,
                   label=f"±{mult:.3f}σ (99 %)" if mult != 1.0 else "±σ", gid=f"lags.band{band}-")
    top = max(4.2 * summary.spread, 1.1 * np.abs(summary.lags[:pixels]).max())
    ax.set_ylim(-top, top)
    ax.set_xlabel("lag l (frames)")
    ax.set_ylabel(r"autocorrelation $\rho_i(l)$")
    quiet = summary.lags_outside < 0.05
    ax.set_title(f"Lags, N = {summary.n_frames:,}: " + ("no memory" if quiet else "memory stands out"),
                 color="black" if quiet else PAPER_COLOR)
    ax.legend(loc="lower left", ncol=3, fontsize=8)


def draw_correlations(fig, view) -> None:
    """Pair histogram (Fig. 6a) and autocorrelations (Fig. 6b) of a ``CorrelationView``."""
    _require_figure("fig", fig)
    _require_view("view", view, ("summary",))
    grid = fixed_grid(fig, 1, 2, left=0.09, right=0.99, bottom=0.14, wspace=0.27)
    left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    draw_pair_histogram(left, view.summary)
    draw_autocorrelation(right, view.summary)
