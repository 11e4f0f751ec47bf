"""Figures of notebook 06: SP 800-90B estimates beside the model's H_min(Z23 | E) (Fig. 9)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["draw_estimator_bars", "draw_sample_size_trend", "draw_drift"]

_SHORT = {"Most Common Value": "MCV", "Collision": "Collision", "Markov": "Markov",
          "Compression": "Compression", "t-Tuple": "t-Tuple", "LRS": "LRS",
          "MultiMCW": "MultiMCW", "Lag": "Lag", "MultiMMC": "MultiMMC", "LZ78Y": "LZ78Y"}


def draw_estimator_bars(fig: plt.Figure, view) -> None:
    """Fig. 9 style: one bar per non-IID estimator (min-entropy per bit), with the model's
    ``H_min(Z23|E)``, the no-Eve ``H_min(Z23)`` and the paper's 0.94 marked."""
    fig.clear()
    ax = fig.add_subplot(111)
    names = list(view.per_bit)
    values = np.array([view.per_bit[n] for n in names])
    low = values == values.min()
    ax.bar(range(len(names)), values, color=np.where(low, "C3", "C0"))
    ax.axhline(view.model_given_noise, color="k", lw=1.5, label=f"model H_min(Z23|E) = {view.model_given_noise:.3f}")
    ax.axhline(view.model_no_eve, color="0.4", ls=":", label=f"model H_min(Z23), noise not Eve's = {view.model_no_eve:.4f}")
    ax.axhline(0.94, color="C2", ls="--", label="paper, non-IID (10 MB): 0.94")
    ax.set_xticks(range(len(names)), [_SHORT.get(n, n) for n in names], rotation=40, ha="right")
    ax.set_ylim(min(0.8, values.min() - 0.02), 1.005)
    ax.set_ylabel("min-entropy (bits per bit)")
    ax.set_title(f"{view.n_samples:,} samples at mu_e = {view.mean_photoelectrons:g}: "
                 f"lowest estimate {values.min():.3f} per bit (red)")
    ax.legend(loc="lower left", fontsize="small")


def draw_sample_size_trend(fig: plt.Figure, trend) -> None:
    """Lowest non-IID estimate and IID MCV estimate against the number of samples."""
    fig.clear()
    ax = fig.add_subplot(111)
    n = np.asarray(trend.sizes)
    ax.semilogx(n, trend.assessed, "o-", color="C3", label="non-IID track (lowest estimator)")
    ax.semilogx(n, trend.mcv, "s-", color="C0", label="IID track (MCV)")
    ax.axhline(trend.model_given_noise, color="k", lw=1.5, label="model H_min(Z23|E)")
    ax.axhline(trend.model_no_eve, color="0.4", ls=":", label="model H_min(Z23)")
    ax.axhline(0.94, color="C2", ls="--", label="paper, non-IID at 10 MB")
    ax.set_xlabel("samples (2-bit symbols)")
    ax.set_ylabel("min-entropy (bits per bit)")
    ax.set_title("The estimates rise towards the model as the data grow")
    ax.legend(loc="lower right", fontsize="small")


def draw_drift(fig: plt.Figure, drift) -> None:
    """A drifting LED: light level, frame alarms and the estimates on each stretch."""
    fig.clear()
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(drift.segment_means, "o-", color="C1")
    ax1.axhspan(150, 1000, color="C2", alpha=0.1, label="no-alarm range (Fig. 8)")
    ax1.set_xlabel("stretch of frames")
    ax1.set_ylabel("mean photoelectrons mu_e")
    ax1b = ax1.twinx()
    ax1b.bar(range(len(drift.alarm_fraction)), drift.alarm_fraction, alpha=0.3, color="C3")
    ax1b.set_ylabel("fraction of frames rejected")
    ax1b.set_ylim(0, 1.05)
    ax1.set_title("LED drift and the frame alarm")
    ax1.legend(loc="upper right", fontsize="small")
    x = np.arange(len(drift.segment_means))
    ax2.plot(x, drift.assessed, "o-", color="C3", label="non-IID estimate (all frames)")
    ax2.plot(x, drift.model_given_noise, "k-", label="model H_min(Z23|E)")
    ax2.set_xlabel("stretch of frames")
    ax2.set_ylabel("min-entropy (bits per bit)")
    ax2.set_title("What the estimators see")
    ax2.legend(loc="lower left", fontsize="small")
