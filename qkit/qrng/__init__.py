"""qkit.qrng: the entropy model of an integrated QRNG chip (Gras et al., Phys. Rev. Applied 15, 054048).

Modules
-------
pixel         :class:`Pixel` (gain K, readout noise, dark electrons, ADC width, kept bits) and the
              Table I presets ``PIXEL_1`` .. ``PIXEL_4``, ``NOISE_FREE`` (Fig. 2)
photons       Poisson photon numbers (Eq. 1), thinning by the efficiency eta
sensor        the ADC of Eqs. (2)-(3): the exact pmf of Z with classical noise, the kept bits Z23
noise         the classical noise E of Eq. (4): dark electrons times K plus readout noise
entropy       Shannon and min-entropy, guessing probability, H_min(Z23 | E) of Eqs. (5)-(6)
frames        the T-/T+, N-/N+ frame rejection rule and its exact failure probability (Fig. 8)
sampling      a seeded frame sampler, histograms, a chi-square goodness-of-fit test
fitting       the maximum-likelihood fit of a dark histogram (Table I), the photon transfer curve (Fig. 4)
transfer      the photon transfer curve (Fig. 4b) and the Fano factor F = slope / K of its electrons
correlations  Pearson coefficients between pixels and at lags (Eq. 7, Fig. 6)
estimators    NIST SP 800-90B's non-IID and IID tracks (Sec. V, Fig. 9)
extraction    Toeplitz hashing, the leftover hash lemma, worst- vs average-case H_min(Z23 | E)
drbg          SP 800-90A Hash_DRBG (SHA-256), its seed accounted from the chip, the chain's bits
"""

__all__: list[str] = []  # the submodules are the API: import from qkit.qrng.<module>
