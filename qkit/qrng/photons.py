"""Photon and photoelectron statistics of the LED source (Sec. II A of the QRNG paper).

The light of a highly multimode LED has a Poissonian photon number, Eq. (1); a pixel with
efficiency ``eta`` converts it into a Poissonian number of photoelectrons with mean
``eta * mean_photons`` (thinning).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit._validate import require_nonnegative

__all__ = ["poisson_pmf"]


def poisson_pmf(counts: np.ndarray | int, mean: float) -> np.ndarray:
    """Probability of ``counts`` photons for a Poisson source, Eq. (1) of the QRNG paper.

    Computed in log space, so it stays accurate for counts of many thousands.

    Parameters
    ----------
    counts : int or array of int
        Photon numbers ``n >= 0``. Negative counts have probability 0.
    mean : float
        Mean photon number ``mu_ph >= 0`` (photons per integration time). ``mean = 0``
        (no light) gives ``P(0) = 1``.

    Returns
    -------
    numpy.ndarray
        ``p(n, mu) = mu**n exp(-mu) / n!``, with the shape of ``counts``.

    Examples
    --------
    >>> float(poisson_pmf(0, 2.0))  # doctest: +ELLIPSIS
    0.1353...
    """
    mean = float(require_nonnegative("mean", mean, unit="photons"))
    n = np.asarray(counts)
    if n.dtype.kind not in "iu":
        if not np.all(np.isfinite(n)) or np.any(n != np.round(n)):
            raise ValueError(f"counts must be whole numbers, got {counts!r}")
        n = n.astype(np.int64)
    nonneg = n >= 0
    safe = np.where(nonneg, n, 0)
    if mean == 0.0:
        out = (safe == 0).astype(float)
    else:
        out = np.exp(special.xlogy(safe, mean) - mean - special.gammaln(safe + 1.0))
    return np.where(nonneg, out, 0.0)
