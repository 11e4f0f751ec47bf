"""Figures of notebook 06: SP 800-90B estimates beside the model's H_min(Z23 | E) (Fig. 9)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from qkit.plots import _require_figure, _require_view, mark_paper_value
from qkit.plots._layout import find_artist, relabel_legend

__all__ = ["draw_estimator_bars", "redraw_estimator_bars", "draw_sample_size_trend", "draw_perfect_source", "draw_drift"]

#: The paper's non-IID result on 10 MB of chip output (Sec. V, Fig. 9), per bit.
PAPER_NON_IID = 0.94

_SHORT = {"Most Common Value": "MCV", "Collision": "Collision", "Markov": "Markov",
          "Compression": "Compression", "t-Tuple": "t-Tuple", "LRS": "LRS",
          "MultiMCW": "MultiMCW", "Lag": "Lag", "MultiMMC": "MultiMMC", "LZ78Y": "LZ78Y"}


def _model_lines(ax, given_noise: float, no_eve: float) -> None:
    ax.axhline(given_noise, color="k", lw=1.5, label=_given_noise_label(given_noise), gid="model.given_noise")
    ax.axhline(no_eve, color="0.4", ls=":", label=_no_eve_label(no_eve), gid="model.no_eve")
    mark_paper_value(ax, PAPER_NON_IID, f"paper: non-IID on 10 MB, {PAPER_NON_IID}")


def _given_noise_label(value: float) -> str:
    return f"model $H_{{min}}(Z_{{23}}|E)$ = {value:.3f}"


def _no_eve_label(value: float) -> str:
    return f"model $H_{{min}}(Z_{{23}})$, noise not Eve's = {value:.4f}"


def _value_text(text, x: int, v: float) -> None:
    """Write a bar's height in figures: inside a tall bar (white), above a short one (black)."""
    inside = v > 0.3
    text.set_position((x, v - 0.02 if inside else v + 0.02))
    text.set_text(f"{v:.3f}")
    text.set_verticalalignment("top" if inside else "bottom")
    text.set_color("white" if inside else "black")


def draw_estimator_bars(fig: plt.Figure, view) -> None:
    """Fig. 9 on simulated data: one bar per non-IID estimator (min-entropy per bit).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Cleared and drawn on.
    view : qkit.widgets.estimators.EstimatorView
        The estimates and the model values; the lowest bar (the assessment) is highlighted.
        The sample size (and whether the run is a coarse first look) belongs in the text
        beside the figure: the title only names ``mu_e`` and the assessment, so it fits.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("per_bit", "assessed_per_bit", "model_given_noise"))
    fig.clear()
    ax = fig.add_subplot(111)
    names = list(view.per_bit)
    values = np.array([view.per_bit[n] for n in names])
    low = values == values.min()
    ax.bar(range(len(names)), values, color=np.where(low, "C1", "C0"))
    for x, v in enumerate(values):  # every height in figures: inside a tall bar, above a short one
        _value_text(ax.text(0.0, 0.0, "", rotation=90, ha="center", fontsize="x-small"), x, v)
    _model_lines(ax, view.model_given_noise, view.model_no_eve)
    ax.set_xticks(range(len(names)), [_SHORT.get(n, n) for n in names], rotation=40, ha="right")
    # One fixed scale from 0 for every view: bar heights compare across views, the tick labels
    # (and so the room the layout gives them) never change, and the legend has its head room.
    ax.set_ylim(0.0, 1.4)
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_ylabel("min-entropy (bits per bit)")
    _estimator_title(ax, view, values)
    ax.legend(loc="upper center", fontsize="small", ncol=2)


def _estimator_title(ax, view, values) -> None:
    ax.set_title(f"$\\mu_e$ = {view.mean_photoelectrons:g}: the assessment is the lowest bar, "
                 f"{values.min():.3f} per bit")


def redraw_estimator_bars(fig: plt.Figure, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_estimator_bars`; False if it cannot.

    It cannot when the estimators differ from those drawn (other bars, other tick labels).
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("per_bit", "assessed_per_bit", "model_given_noise"))
    given_noise = None if len(fig.axes) != 1 else find_artist(fig, "model.given_noise")
    if given_noise is None:
        return False
    ax = fig.axes[0]
    names = list(view.per_bit)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    if (len(ax.containers) != 1 or len(ax.containers[0].patches) != len(names) or len(ax.texts) != len(names)
            or labels != [_SHORT.get(n, n) for n in names]):
        return False
    values = np.array([view.per_bit[n] for n in names])
    low = values == values.min()
    for x, (bar, text, v, lowest) in enumerate(zip(ax.containers[0].patches, ax.texts, values, low)):
        bar.set_height(float(v))
        bar.set_facecolor("C1" if lowest else "C0")
        _value_text(text, x, float(v))
    given_noise.set_ydata([view.model_given_noise] * 2)
    given_noise.set_label(_given_noise_label(view.model_given_noise))
    no_eve = find_artist(fig, "model.no_eve")
    no_eve.set_ydata([view.model_no_eve] * 2)
    no_eve.set_label(_no_eve_label(view.model_no_eve))
    relabel_legend(ax)
    _estimator_title(ax, view, values)
    return True


def draw_sample_size_trend(fig: plt.Figure, trend) -> None:
    """Lowest non-IID estimate and IID MCV estimate against the number of samples.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Cleared and drawn on.
    trend : qkit.widgets.estimators.SampleSizeTrend
        The estimates per size and the model values.
    """
    _require_figure("fig", fig)
    _require_view("trend", trend, ("sizes", "assessed", "mcv", "model_given_noise"))
    fig.clear()
    ax = fig.add_subplot(111)
    n = np.asarray(trend.sizes)
    ax.semilogx(n, trend.assessed, "o-", color="C1", label="non-IID track (lowest estimator)")
    ax.semilogx(n, trend.mcv, "s-", color="C0", label="IID track (MCV)")
    _model_lines(ax, trend.model_given_noise, trend.model_no_eve)
    ax.set_xlabel("samples L (2-bit symbols)")
    ax.set_ylabel("min-entropy (bits per bit)")
    ax.set_title("Both tracks rise with the data; the non-IID one stays below the model")
    ax.legend(loc="lower right", fontsize="small")


def draw_perfect_source(fig: plt.Figure, estimates, predicted: dict | None = None) -> None:
    """Binary estimators on a perfect source against the number of bits: every seed and their mean.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Cleared and drawn on.
    estimates : qkit.widgets.estimators.PerfectSourceEstimates
        Estimates (bits per bit) per size and seed; the truth, 1 bit per bit, is drawn as a line.
        The title names the estimator(s) whose seed mean is lowest.
    predicted : dict, optional
        ``name -> values per size``: an estimator's value when its statistic falls exactly on its
        expectation (only the 99 % margin lowers it), drawn dashed in the estimator's colour.
    """
    _require_figure("fig", fig)
    _require_view("estimates", estimates, ("sizes", "seeds", "estimates"))
    predicted = {} if predicted is None else predicted
    if not isinstance(predicted, dict):
        raise TypeError(f"predicted must be a dict of name -> values per size or None, got {predicted!r}")
    fig.clear()
    ax = fig.add_subplot(111)
    n = np.asarray(estimates.sizes, dtype=float)
    ax.axhline(1.0, color="k", lw=1.5, label="truth: 1 bit per bit")
    for k, (name, values) in enumerate(estimates.estimates.items()):
        colour = f"C{k}"
        ax.semilogx(np.repeat(n, values.shape[1]), values.ravel(), ".", color=colour, alpha=0.5)
        ax.semilogx(n, values.mean(axis=1), "o-", color=colour, label=f"{name} (dots: {values.shape[1]} seeds)")
        if name in predicted:
            ax.semilogx(n, np.asarray(predicted[name], dtype=float), "--", color=colour,
                        label=f"{name}: the 99 % margin alone")
    ax.set_xlabel("bits L")
    ax.set_ylabel("estimate (bits per bit)")
    names = list(estimates.estimates)
    lowest = {names[k] for k in np.argmin([v.mean(axis=1) for v in estimates.estimates.values()], axis=0)}
    where = "at every size" if len(lowest) == 1 else "in turn"
    ax.set_title(f"A perfect source scores below 1; lowest {where}: {', '.join(sorted(lowest))}")
    ax.legend(loc="lower right", fontsize="small")


def draw_drift(fig: plt.Figure, drift) -> None:
    """A drifting LED: light level and frame alarms (left), estimates and model (right).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Cleared and drawn on.
    drift : qkit.widgets.estimators.DriftView
        One value per stretch of frames.
    """
    _require_figure("fig", fig)
    _require_view("drift", drift, ("segment_means", "alarm_fraction", "assessed"))
    fig.clear()
    ax1, ax2 = fig.subplots(1, 2)
    x = np.arange(1, len(drift.segment_means) + 1)
    ax1.bar(x, drift.alarm_fraction, color="C3", alpha=0.5, label="frames rejected (simulated)")
    ax1.plot(x, drift.expected_alarm, "_", color="k", markersize=18, mew=2, label="frames rejected (exact)")
    ax1.set_ylim(0, 1.05)
    ax1.set_xlabel("stretch of frames (mean $\\mu_e$)")
    ax1.set_ylabel("fraction of frames rejected")
    ax1.set_xticks(x, [f"{k}\n{m:.0f} e⁻" for k, m in zip(x, drift.segment_means)])
    ax1.set_title("The alarm rejects frames only once the light is too low")
    ax1.legend(loc="upper left", fontsize="small")
    ax2.plot(x, drift.model_passing, "s-", color="C2", label="model $H_{min}(Z_{23}|E)$, frames that pass")
    ax2.plot(x, drift.model_given_noise, "k-", label="model $H_{min}(Z_{23}|E)$, all frames")
    ax2.plot(x, drift.model_no_eve, ":", color="0.4", label="model $H_{min}(Z_{23})$, all frames")
    ax2.plot(x, drift.assessed, "o-", color="C1", label="non-IID estimate, all frames")
    ax2.set_xticks(x, [f"{k}\n{m:.0f} e⁻" for k, m in zip(x, drift.segment_means)])
    ax2.set_xlabel("stretch of frames (mean $\\mu_e$)")
    ax2.set_ylabel("min-entropy (bits per bit)")
    ax2.set_title("The estimates scatter as much as the entropy drops")
    ax2.legend(loc="center left", fontsize="small")
