import numpy as np
import pytest
from scipy import stats

from qkit.qrng.entropy import (
    conditional_guessing_probability, conditional_min_entropy, conditional_min_entropy_curve,
    guessing_probability, kept_bits_given_noise, min_entropy, min_entropy_curve, shannon_entropy,
)
from qkit.qrng.pixel import NOISE_FREE, PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4, TABLE_I, Pixel
from qkit.qrng.sensor import adc_pmf, kept_bits_pmf


def brute_guessing_probability(mu, pixel):
    """Slow reference for Eq. (6), independent of the f-interval construction.

    Every cell boundary ``e = k - K n`` (all n to 12 sigma) is listed explicitly; in each cell
    P(Z23 | E = e) is evaluated by brute force at the cell midpoint over all n, and the cell's
    mass comes from the full Eq. (4) CDF (every dark count, the whole normal CDF).
    Without readout noise E is a sum of atoms and P(Z23 | E) is evaluated at each.
    """
    K, A = pixel.gain, pixel.adc_max
    n = np.arange(0, int(mu + 12 * np.sqrt(mu) + 40)) if mu > 0 else np.array([0])
    w = stats.poisson.pmf(n, mu)
    w /= w.sum()
    md = np.arange(0, int(pixel.dark_mean + 12 * np.sqrt(pixel.dark_mean) + 40))
    pd = stats.poisson.pmf(md, pixel.dark_mean)
    pd /= pd.sum()
    c = pixel.readout_mean + K * md
    s = pixel.readout_sigma

    def cond_max(e):
        out = np.empty(e.size)
        for a in range(0, e.size, 1000):
            z = np.clip(np.floor(K * n[None, :] + e[a:a + 1000, None] + 1e-9), 0, A).astype(np.int64)
            b = np.zeros(z.shape, dtype=np.int64)
            for i, k in enumerate(pixel.kept_bits):
                b |= ((z >> k) & 1) << i
            out[a:a + 1000] = np.stack([(w * (b == v)).sum(1) for v in range(1 << pixel.n_kept)], 1).max(1)
        return out

    if s == 0:
        return float(pd @ cond_max(c))
    e_lo, e_hi = c[0] - 12 * s - 1, c[-1] + 12 * s + 1
    pts = [np.arange(np.ceil(e_lo + K * k), np.floor(e_hi + K * k) + 1) - K * k for k in n]
    edges = np.unique(np.concatenate(pts + [[e_lo, e_hi]]))
    edges = edges[(edges >= e_lo) & (edges <= e_hi)]
    cdf = stats.norm.cdf((edges[:, None] - c[None, :]) / s) @ pd
    return float(np.diff(cdf) @ cond_max(0.5 * (edges[1:] + edges[:-1])))


CASES = [
    (625.0, PIXEL_1),  # the operating point: plateau
    (30.0, PIXEL_3),  # weak light: clipping at 0
    (1240.0, PIXEL_4),  # the ADC saturates
    (0.0, PIXEL_2),  # no light at all
    (625.0, NOISE_FREE),  # Fig. 2: E is one atom
    (400.0, Pixel(readout_mean=-13.6, readout_sigma=0.0, dark_mean=17.2)),  # atoms of dark electrons
    (80.0, Pixel(gain=1.3, readout_mean=2.0, readout_sigma=1.5, dark_mean=3.0, kept_bits=(0, 3, 5))),
    (40.0, Pixel(gain=0.37, readout_mean=1.0, readout_sigma=0.4, dark_mean=2.0, adc_bits=5)),
    (2.0, Pixel(readout_mean=-3.0, readout_sigma=0.5, dark_mean=0.5)),  # Z + 1 clipped at 0 in many cells
    (300.0, Pixel(gain=0.7071, readout_mean=-4.0, readout_sigma=0.3, dark_mean=5.0)),  # breakpoints off a lattice
    (1150.0, Pixel(readout_mean=-13.6, readout_sigma=2.5, dark_mean=60.0)),  # wide noise, saturating
]


@pytest.mark.parametrize("mu, pixel", CASES)
def test_guessing_probability_matches_brute_force(mu, pixel):
    fast = conditional_guessing_probability(mu, pixel)
    slow = brute_guessing_probability(mu, pixel)
    assert abs(fast - slow) <= 1e-11  # stated: 1e-12 (plus the reference's own rounding)


def test_fig2b_noise_free_min_entropy():
    """Fig. 2(b): K = 0.8192, no noise, mu_e = 625: H_min(Z23) = 0.982 per bit."""
    h = float(min_entropy(kept_bits_pmf(adc_pmf(625.0, NOISE_FREE)), per_bit=True))
    assert round(h, 3) == 0.982
    # with nothing for Eve to know, conditioning on E changes nothing
    assert conditional_min_entropy(625.0, NOISE_FREE, per_bit=True) == pytest.approx(h, abs=1e-12)


@pytest.mark.parametrize("pixel", TABLE_I)
def test_fig7_above_098_in_operating_range(pixel):
    means = np.linspace(500.0, 750.0, 101)
    h = conditional_min_entropy_curve(means, pixel)
    assert h.min() > 0.98


def test_fig7_shape():
    means = np.array([0.0, 20.0, 100.0, 625.0, 1100.0, 1300.0, 2000.0])
    h = conditional_min_entropy_curve(means, PIXEL_1)
    assert h[0] == pytest.approx(0.0, abs=1e-9)  # no light: Eve knows Z
    assert h[1] < h[2] < h[3]  # weak light: the spread of K N_e is too small
    assert abs(h[3] - h[4]) < 1e-3  # plateau
    assert h[5] < 0.5 and h[6] == pytest.approx(0.0, abs=1e-9)  # the ADC saturates


def test_sec5_noise_unknown_to_eve():
    """Sec. V: without giving E to Eve, H_min(Z23) is about 0.999 per bit."""
    means = np.linspace(500.0, 750.0, 51)
    h = min_entropy_curve(means, PIXEL_1)
    assert np.all(h > 0.999)
    assert np.all(h > conditional_min_entropy_curve(means[::10], PIXEL_1).max())


@pytest.mark.parametrize("mu", [5.0, 300.0, 625.0, 1200.0])
def test_side_information_never_helps_the_user(mu):
    h_cond = conditional_min_entropy(mu, PIXEL_1)
    h = float(min_entropy(kept_bits_pmf(adc_pmf(mu, PIXEL_1))))
    assert h_cond <= h + 1e-12


def test_per_bit_and_tolerance():
    full = conditional_min_entropy(625.0, PIXEL_1)
    assert conditional_min_entropy(625.0, PIXEL_1, per_bit=True) == pytest.approx(full / 2)
    loose = conditional_guessing_probability(625.0, PIXEL_1, tolerance=1e-6)
    tight = conditional_guessing_probability(625.0, PIXEL_1, tolerance=1e-14)
    assert abs(loose - tight) <= 1e-6


def test_curve_matches_pointwise_and_keeps_shape():
    means = np.array([[100.0, 625.0], [900.0, 1250.0]])
    h = conditional_min_entropy_curve(means, PIXEL_2)
    assert h.shape == (2, 2)
    assert h[1, 0] == conditional_min_entropy(900.0, PIXEL_2, per_bit=True)


def test_distribution_entropies():
    u = np.full(4, 0.25)
    assert shannon_entropy(u) == pytest.approx(2.0)
    assert min_entropy(u, per_bit=True) == pytest.approx(1.0)
    p = np.array([0.5, 0.25, 0.125, 0.125])
    assert shannon_entropy(p) == pytest.approx(1.75)
    assert min_entropy(p) == pytest.approx(1.0)
    assert guessing_probability(p) == 0.5
    assert shannon_entropy([1.0, 0.0]) == 0.0  # 0 log 0 = 0, no NaN
    np.testing.assert_allclose(min_entropy(np.stack([u, p])), [2.0, 1.0])
    assert np.all(min_entropy(np.stack([u, p])) <= shannon_entropy(np.stack([u, p])))


def test_bad_input():
    with pytest.raises(ValueError, match="sum to 1"):
        min_entropy([0.5, 0.2])
    with pytest.raises(ValueError, match="probabilities >= 0"):
        shannon_entropy([1.5, -0.5])
    with pytest.raises(ValueError, match="2\\*\\*k outcomes"):
        min_entropy([0.2, 0.3, 0.5], per_bit=True)
    with pytest.raises(ValueError, match="mean_photoelectrons must satisfy 0 <= .*-3"):
        conditional_min_entropy(-3.0, PIXEL_1)
    with pytest.raises(ValueError, match="means"):
        conditional_min_entropy_curve([1.0, np.nan], PIXEL_1)
    with pytest.raises(TypeError, match="pixel must be"):
        conditional_guessing_probability(1.0, None)
    with pytest.raises(ValueError, match="tolerance"):
        conditional_guessing_probability(1.0, PIXEL_1, tolerance=1.0)


def test_kept_bits_given_noise():
    e = np.array([[-0.3, 0.0], [0.49, 7.25]])
    got = kept_bits_given_noise(e, 625.0, PIXEL_1)
    assert got.shape == (2, 2, 4)
    n = np.arange(0, 1200)
    w = stats.poisson.pmf(n, 625.0)
    for idx in np.ndindex(e.shape):
        z = np.clip(np.floor(0.8192 * n + e[idx] + 1e-9), 0, 1023).astype(int)
        expect = np.bincount((z >> 2) & 3, weights=w, minlength=4)
        np.testing.assert_allclose(got[idx], expect, atol=1e-12)
    # without readout noise and dark electrons, E = mu_r: Eve's prediction is the plain P(Z23)
    np.testing.assert_allclose(kept_bits_given_noise(0.0, 625.0, NOISE_FREE),
                               kept_bits_pmf(adc_pmf(625.0, NOISE_FREE)), atol=1e-13)
    with pytest.raises(ValueError, match="noise must be finite"):
        kept_bits_given_noise(np.inf, 1.0, PIXEL_1)


def test_fast_paths_agree_with_the_direct_cell_sum():
    """The cached lattice masses and the folded cells (qkit.qrng._guessing) against the plain sum.

    The plain sum: every integer part with its own clipped table, masses straight from
    interval_masses on the mean's own cells (the construction the module docstring describes).
    """
    from qkit.qrng import _guessing
    from qkit.qrng.noise import interval_masses
    from qkit.qrng.photons import poisson_weights

    def direct(mu, pixel, tol=1e-12):
        n, w = poisson_weights(mu, tol / 3)
        starts, base, flips, row = _guessing.flip_table(n, pixel.gain)
        js = _guessing._integer_parts(pixel, tol)
        edges = np.append((js[:, None] + starts[None, :]).ravel(), js[-1] + 1.0)
        mass = interval_masses(edges, pixel, tolerance=2 * tol / 3).reshape(js.size, starts.size)
        return float((mass * _guessing.conditional_maxima(n, w, pixel, js, starts, base, flips, row)).sum())

    for pixel in (PIXEL_1, Pixel(readout_mean=-13.6, readout_sigma=3.0, dark_mean=100.0),
                  Pixel(gain=0.7071, readout_mean=-4.0, readout_sigma=0.3, dark_mean=5.0)):
        for mu in (0.0, 17.0, 625.0, 1100.0, 1300.0):
            assert conditional_guessing_probability(mu, pixel) == pytest.approx(direct(mu, pixel), abs=1e-13)
    union = _guessing._union_starts(0.8192, 1024)
    assert union.size == 625  # K = 512/625: the breakpoints are the lattice u / 625
    assert _guessing._lattice_cdf(union, np.arange(-3, 3), PIXEL_1, 1e-12) is not None
    assert _guessing._lattice_cdf(_guessing._union_starts(0.7071, 1024), np.arange(-3, 3),
                                  Pixel(gain=0.7071, readout_sigma=0.3), 1e-12) is None


@pytest.mark.parametrize("pixel", [PIXEL_1, NOISE_FREE, Pixel(readout_mean=-13.6, readout_sigma=3.0, dark_mean=100.0)])
def test_min_entropy_curve_matches_the_adc_pmf_at_each_mean(pixel):
    means = np.array([0.0, 3.0, 250.0, 625.0, 1180.0, 1400.0])
    fast = min_entropy_curve(means, pixel)
    for h, mu in zip(fast, means):
        q = kept_bits_pmf(adc_pmf(mu, pixel))
        assert h == pytest.approx(float(min_entropy(q / q.sum(), per_bit=True)), abs=1e-12)
