import numpy as np
import pytest

from qkit.data import PCAAngles, flatten_images, make_plates


@pytest.fixture(scope="module")
def split():
    train, _ = make_plates(300, "0178", rng=0, size=12)
    test, _ = make_plates(200, "0178", rng=1, size=12)
    return train, test


def test_components_are_the_top_eigenvectors_of_the_covariance(split):
    train, _ = split
    pca = PCAAngles(5).fit(train)
    X = train.reshape(len(train), -1)
    cov = np.cov(X, rowvar=False, bias=True)  # brute-force reference
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(5), atol=1e-12)
    for k in range(5):
        assert abs(abs(pca.components_[k] @ vectors[:, k]) - 1) < 1e-8
    np.testing.assert_allclose(pca.explained_variance_ratio_, values[:5] / values.sum(), rtol=1e-9)
    np.testing.assert_allclose(pca.mean_, X.mean(axis=0))
    assert np.all(np.diff(pca.explained_variance_ratio_) <= 0)


def test_sign_convention_is_deterministic(split):
    train, _ = split
    pca = PCAAngles(4).fit(train)
    largest = pca.components_[np.arange(4), np.argmax(np.abs(pca.components_), axis=1)]
    assert np.all(largest > 0)


def test_min_max_scaling_hits_the_ends_exactly(split):
    train, _ = split
    angles = PCAAngles(6, clip_quantile=0.0).fit_transform(train)
    np.testing.assert_allclose(angles.min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(angles.max(axis=0), np.pi, atol=1e-12)


def test_quantile_range_clips_outliers_and_test_data(split):
    train, test = split
    pca = PCAAngles(6, angle_range=(-1.0, 2.0)).fit(train)
    a_train, a_test = pca.transform(train), pca.transform(test)
    for a in (a_train, a_test):
        assert a.min() >= -1.0 and a.max() <= 2.0
    frac_at_ends = np.mean((a_train == -1.0) | (a_train == 2.0), axis=0)
    np.testing.assert_allclose(frac_at_ends, 0.02, atol=0.01)  # 1 % at each end
    far = train[:1] + 10.0  # an absurdly bright test image stays at the range's end
    assert pca.transform(far).max() == 2.0


def test_fit_uses_training_data_only(split):
    train, test = split
    pca = PCAAngles(3).fit(train)
    before = (pca.mean_.copy(), pca.components_.copy(), pca.low_.copy(), pca.high_.copy())
    pca.transform(test)
    for a, b in zip(before, (pca.mean_, pca.components_, pca.low_, pca.high_)):
        np.testing.assert_array_equal(a, b)


def test_reconstruct_inverts_transform_inside_the_range(split):
    train, _ = split
    pca = PCAAngles(4, clip_quantile=0.0).fit(train)
    angles = pca.transform(train[:10])
    rebuilt = pca.reconstruct(angles)
    np.testing.assert_allclose(pca.transform(rebuilt), angles, atol=1e-9)
    full = PCAAngles(144, clip_quantile=0.0).fit(train)  # every component: exact inverse
    np.testing.assert_allclose(full.reconstruct(full.transform(train[:5])),
                               train[:5].reshape(5, -1), atol=1e-9)


def test_constant_images_give_middle_angles_not_nan():
    images = np.full((10, 8, 8), 0.4)
    pca = PCAAngles(3).fit(images)
    angles = pca.transform(images)
    np.testing.assert_allclose(angles, np.pi / 2)
    np.testing.assert_array_equal(pca.explained_variance_ratio_, 0.0)


def test_flat_features_are_accepted():
    X = np.random.default_rng(0).normal(size=(50, 6))
    assert PCAAngles(2).fit_transform(X).shape == (50, 2)
    assert flatten_images(np.zeros((3, 2, 2))).shape == (3, 4)


def test_bad_input(split):
    train, _ = split
    with pytest.raises(ValueError, match="n_components must satisfy 1 <= n_components <= 144"):
        PCAAngles(200).fit(train)
    with pytest.raises(ValueError, match="not fitted yet"):
        PCAAngles(2).transform(train)
    with pytest.raises(ValueError, match="images must have 144 pixels each"):
        PCAAngles(2).fit(train).transform(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="angle_range must be"):
        PCAAngles(2, angle_range=(np.pi, 0.0)).fit(train)
    with pytest.raises(ValueError, match="clip_quantile must satisfy"):
        PCAAngles(2, clip_quantile=0.5).fit(train)
    with pytest.raises(ValueError, match="images must be finite"):
        PCAAngles(2).fit(np.full((4, 3, 3), np.nan))
    with pytest.raises(ValueError, match="at least 2 training images"):
        PCAAngles(1).fit(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="images must have shape"):
        flatten_images(np.zeros(5))
