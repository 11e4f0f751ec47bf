import numpy as np
import pytest

from qkit.fl.aggregate import (
    aggregate,
    blocks_from_slices,
    circular_mean,
    fedavg,
    proximal_gradient,
    proximal_term,
    wrap_periodic,
)


def test_fedavg_is_sample_weighted_mean():
    params = np.array([[0.0, 1.0], [3.0, 5.0]])
    np.testing.assert_allclose(fedavg(params, [1, 3]), [2.25, 4.0])
    # clients with zero samples do not count
    np.testing.assert_allclose(fedavg(params, [0, 7]), [3.0, 5.0])


def test_fedavg_bad_input():
    with pytest.raises(ValueError, match="sample_counts must satisfy 0 <= sample_counts"):
        fedavg([[1.0], [2.0]], [1, -1])
    with pytest.raises(ValueError, match="positive sum"):
        fedavg([[1.0], [2.0]], [0, 0])
    with pytest.raises(ValueError, match="one entry per client"):
        fedavg([[1.0], [2.0]], [1, 2, 3])
    with pytest.raises(ValueError, match="client_params must be finite"):
        fedavg([[np.nan], [2.0]], [1, 2])


def test_circular_mean_across_the_branch_cut():
    a = np.array([[np.pi - 0.1], [-np.pi + 0.1]])
    m = circular_mean(a, [1, 1])
    # the linear mean is 0, pointing away from both; the circular mean is pi
    assert abs(abs(m[0]) - np.pi) < 1e-12
    m = circular_mean(a, [3, 1])
    np.testing.assert_allclose(wrap_periodic(m - (np.pi - 0.05), 2 * np.pi), 0.0, atol=1e-3)


def test_circular_mean_equals_linear_mean_for_close_angles_and_brute_force():
    rng = np.random.default_rng(1)
    a = 0.3 + 0.01 * rng.standard_normal((5, 4))
    w = rng.integers(1, 10, 5)
    m = circular_mean(a, w)
    np.testing.assert_allclose(m, fedavg(a, w), atol=1e-5)  # small-spread limit
    # brute force: the circular mean minimises sum_k w_k (1 - cos(theta_k - m))
    grid = np.linspace(-np.pi, np.pi, 200001)
    for j in range(4):
        cost = (w[:, None] * (1 - np.cos(a[:, j, None] - grid))).sum(0)
        assert abs(grid[np.argmin(cost)] - m[j]) < 1e-4


def test_circular_mean_reference_and_period():
    a = np.array([[0.1], [0.3]])
    np.testing.assert_allclose(circular_mean(a, [1, 1], reference=[4 * np.pi]), [4 * np.pi + 0.2])
    # a 4 pi-periodic parameter: 0.1 and 2 pi + 0.1 are different points of the circle
    b = np.array([[0.1], [0.1 + 2 * np.pi]])
    with pytest.raises(ValueError, match="cancel"):
        circular_mean(b, [1, 1], period=4 * np.pi)
    np.testing.assert_allclose(circular_mean(b, [1, 1]), [0.1])


def test_partial_aggregation_blocks():
    g = np.array([10.0, 10.0, 10.0])
    block_of = np.array([0, 0, 1])
    params = np.array([[1.0, 2.0, 3.0], [5.0, 6.0, 7.0], [9.0, 9.0, 9.0]])
    n = np.array([1, 3, 100])
    arrived = np.array([[True, True], [True, False], [False, False]])
    res = aggregate(g, params, n, arrived, block_of)
    # base block: clients 0 and 1, weights 1 and 3; enhancement: only client 0
    np.testing.assert_allclose(res.params, [4.0, 5.0, 3.0])
    assert res.updated.all()
    np.testing.assert_array_equal(res.contributors, [2, 1])
    # nothing arrived for the enhancement block: previous global value is kept
    arrived[0, 1] = False
    res = aggregate(g, params, n, arrived, block_of)
    np.testing.assert_allclose(res.params, [4.0, 5.0, 10.0])
    np.testing.assert_array_equal(res.updated, [True, True, False])


def test_nothing_arrives_leaves_global_unchanged():
    g = np.array([1.0, -2.0])
    res = aggregate(g, np.zeros((3, 2)), [1, 1, 1], np.zeros((3, 1), bool), np.zeros(2, int))
    np.testing.assert_array_equal(res.params, g)
    assert not res.any_update
    assert res.params is not g  # a copy, the caller's global is not aliased


def test_all_arrived_equals_fedavg_and_brute_force_loop():
    rng = np.random.default_rng(3)
    params = rng.normal(size=(6, 7))
    n = rng.integers(1, 20, 6)
    block_of = np.array([0, 0, 1, 1, 1, 2, 2])
    res = aggregate(np.zeros(7), params, n, np.ones((6, 3), bool), block_of)
    np.testing.assert_allclose(res.params, fedavg(params, n))
    arrived = rng.random((6, 3)) < 0.5
    res = aggregate(np.zeros(7), params, n, arrived, block_of)
    for j in range(7):  # the rule, one parameter at a time
        who = arrived[:, block_of[j]]
        expect = (n[who] @ params[who, j]) / n[who].sum() if who.any() else 0.0
        assert np.isclose(res.params[j], expect)


def test_local_parameters_are_not_averaged():
    g = np.array([0.0, 0.0])
    params = np.array([[1.0, 5.0], [3.0, 7.0]])
    res = aggregate(g, params, [1, 1], np.ones((2, 1), bool), np.zeros(2, int), local=[False, True])
    np.testing.assert_allclose(res.params, [2.0, 0.0])
    np.testing.assert_array_equal(res.updated, [True, False])


def test_periodic_parameters_use_circular_mean_near_previous_global():
    g = np.array([2 * np.pi + 3.0, 0.0])
    params = np.array([[np.pi - 0.1, 1.0], [-np.pi + 0.1, 3.0]])
    res = aggregate(g, params, [1, 1], np.ones((2, 1), bool), np.zeros(2, int), period=[2 * np.pi, np.inf])
    np.testing.assert_allclose(res.params, [3 * np.pi, 2.0])
    # cancelling phasors: the mean is undefined and the previous value is kept
    params = np.array([[0.0, 1.0], [np.pi, 3.0]])
    res = aggregate(g, params, [1, 1], np.ones((2, 1), bool), np.zeros(2, int), period=[2 * np.pi, np.inf])
    assert res.params[0] == g[0] and not res.updated[0] and res.updated[1]


def test_aggregate_bad_input():
    with pytest.raises(TypeError, match="arrived must be an array of True/False"):
        aggregate(np.zeros(2), np.zeros((2, 2)), [1, 1], np.ones((2, 1)), np.zeros(2, int))
    with pytest.raises(ValueError, match="global_params must have shape"):
        aggregate(np.zeros(3), np.zeros((2, 2)), [1, 1], np.ones((2, 1), bool), np.zeros(2, int))
    with pytest.raises(ValueError, match="block_of"):
        aggregate(np.zeros(2), np.zeros((2, 2)), [1, 1], np.ones((2, 1), bool), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="period must be"):
        aggregate(np.zeros(2), np.zeros((2, 2)), [1, 1], np.ones((2, 1), bool), np.zeros(2, int), period=-1.0)
    with pytest.raises(ValueError, match="client_params"):
        aggregate(np.zeros(2), np.zeros((0, 2)), [], np.ones((0, 1), bool), np.zeros(2, int))


def test_blocks_from_slices():
    assert blocks_from_slices(5, [slice(0, 2), [slice(2, 4), np.array([4])]]).tolist() == [0, 0, 1, 1, 1]
    with pytest.raises(ValueError, match="cover"):
        blocks_from_slices(5, [slice(0, 2)])
    with pytest.raises(ValueError, match="overlap"):
        blocks_from_slices(3, [slice(0, 2), slice(1, 3)])


def test_proximal_term_and_gradient_agree():
    rng = np.random.default_rng(0)
    w, wg = rng.normal(size=5), rng.normal(size=5)
    mu = 0.7
    grad = proximal_gradient(np.zeros(5), w, wg, mu)
    eps = 1e-6
    num = [(proximal_term(w + eps * e, wg, mu) - proximal_term(w - eps * e, wg, mu)) / (2 * eps) for e in np.eye(5)]
    np.testing.assert_allclose(grad, num, rtol=1e-6)
    assert proximal_term(w, w, mu) == 0.0
    # wrapped: 2 pi away is no distance for an angle
    assert proximal_term([2 * np.pi], [0.0], 1.0, period=2 * np.pi) < 1e-20
    with pytest.raises(ValueError, match="mu must satisfy"):
        proximal_gradient(np.zeros(1), [0.0], [0.0], -1.0)
