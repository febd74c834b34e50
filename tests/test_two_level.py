"""The two-level method (Chandhok & Balasubramanian 2021) and the losses it uses:
the Sinkhorn alignment against POT, the WGAN-GP penalty (also the joint critic's tuple form)
against closed forms, and the method's own pieces (terms, signs, views, presets)."""
import numpy as np
import ot
import pytest
import torch

import zslkit
from zslkit import losses
from zslkit.methods.two_level import TwoLevel, class_centres


# -- losses.sinkhorn_distance ----------------------------------------------------------------------
def _uniform(n):
    return np.full(n, 1.0 / n)


def _cost(a, b):
    M = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    return M / M.max()


@pytest.mark.parametrize("method", ["sinkhorn_log", "sinkhorn"])
def test_sinkhorn_distance_matches_pot(method):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(5, 5))
    got = losses.sinkhorn_distance(torch.tensor(a), torch.tensor(b), reg=0.1, num_iter=1000)
    want = ot.sinkhorn2(_uniform(7), _uniform(5), _cost(a, b), 0.1, method=method, numItermax=1000)
    assert float(got) == pytest.approx(float(want), rel=1e-6)


@pytest.mark.parametrize("num_iter", [1, 7, 20])
def test_sinkhorn_fixed_iterations_match_pot_iteration_for_iteration(num_iter):
    # the same log-domain iteration as POT's sinkhorn_log, value and gradient, in float32 as in
    # training; POT's early stop is switched off (stopThr=0) so both run num_iter iterations
    g = torch.Generator().manual_seed(num_iter)
    a = torch.randn(9, 6, generator=g, requires_grad=True)
    b = torch.randn(11, 6, generator=g)
    got = losses.sinkhorn_distance(a, b, reg=0.1, num_iter=num_iter)
    (grad_got,) = torch.autograd.grad(got, a)
    M = torch.cdist(a, b).pow(2)
    M = M / M.detach().max()
    want = ot.sinkhorn2(torch.full((9,), 1 / 9), torch.full((11,), 1 / 11), M, 0.1, method="sinkhorn_log",
                        numItermax=num_iter, stopThr=0.0)
    (grad_want,) = torch.autograd.grad(want, a)
    assert float(got.detach()) == pytest.approx(float(want.detach()), rel=1e-5)
    torch.testing.assert_close(grad_got, grad_want, rtol=1e-4, atol=1e-6)


def test_sinkhorn_masked_points_are_left_out():
    # a mask gives the cost between the selected points alone, with a finite gradient that is 0
    # on the points left out (the two-level method's classes absent from a batch)
    g = torch.Generator().manual_seed(0)
    a = torch.randn(8, 4, generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(8, 4, generator=g, dtype=torch.float64)
    mask = torch.tensor([1, 0, 1, 1, 0, 0, 1, 1], dtype=torch.bool)
    got = losses.sinkhorn_distance(a, b, reg=0.1, num_iter=20, a_mask=mask, b_mask=mask)
    want = losses.sinkhorn_distance(a[mask], b[mask], reg=0.1, num_iter=20)
    assert float(got.detach()) == pytest.approx(float(want.detach()), rel=1e-12)
    (grad,) = torch.autograd.grad(got, a)
    assert torch.isfinite(grad).all() and (grad[~mask] == 0).all() and (grad[mask] != 0).any()
    (grad_sub,) = torch.autograd.grad(losses.sinkhorn_distance(a[mask], b[mask], reg=0.1, num_iter=20), a)
    torch.testing.assert_close(grad, grad_sub)


def test_sinkhorn_distance_unnormalised_cost_matches_pot():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(6, 3))
    M = ((a[:, None] - b[None]) ** 2).sum(-1)
    got = losses.sinkhorn_distance(torch.tensor(a), torch.tensor(b), reg=1.0, normalize_cost=False, num_iter=1000)
    want = ot.sinkhorn2(_uniform(4), _uniform(6), M, 1.0, method="sinkhorn_log", numItermax=1000)
    assert float(got) == pytest.approx(float(want), rel=1e-6)


def test_sinkhorn_distance_tends_to_exact_ot_as_reg_shrinks():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    exact = ot.emd2(_uniform(6), _uniform(6), _cost(a, b))
    gaps = [abs(float(losses.sinkhorn_distance(torch.tensor(a), torch.tensor(b), reg=r, num_iter=20000)) - exact)
            for r in (0.1, 0.01, 1e-3)]
    assert gaps[0] > gaps[1] > gaps[2] - 1e-9
    assert gaps[2] < 1e-3


def test_sinkhorn_distance_is_small_for_a_permuted_copy():
    # alignment is between distributions: a permutation of the same points costs (almost) nothing
    rng = np.random.default_rng(3)
    b = rng.normal(size=(8, 5))
    a = b[rng.permutation(8)]
    assert float(losses.sinkhorn_distance(torch.tensor(a), torch.tensor(b), reg=1e-3, num_iter=5000)) < 1e-6
    assert float(losses.sinkhorn_distance(torch.tensor(a + 3.0), torch.tensor(b), reg=1e-3, num_iter=5000)) > 0.1


def test_sinkhorn_distance_gradient_flows_and_descends():
    torch.manual_seed(0)
    a = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, 4, dtype=torch.float64)
    value = losses.sinkhorn_distance(a, b, reg=0.1, normalize_cost=False, num_iter=500)
    value.backward()
    assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0
    # finite-difference check of one coordinate
    eps = 1e-6
    bumped = a.detach().clone()
    bumped[2, 1] += eps
    fd = (losses.sinkhorn_distance(bumped, b, reg=0.1, normalize_cost=False, num_iter=500) - value.detach()) / eps
    assert float(a.grad[2, 1]) == pytest.approx(float(fd), rel=1e-3, abs=1e-6)
    # a small gradient step lowers the distance
    with torch.no_grad():
        stepped = a - 0.05 * a.grad
    assert float(losses.sinkhorn_distance(stepped, b, reg=0.1, normalize_cost=False, num_iter=500)) < float(value.detach())


# -- losses.gradient_penalty -----------------------------------------------------------------------
def test_gradient_penalty_linear_critic_closed_form():
    torch.manual_seed(0)
    w, v = torch.randn(5, dtype=torch.float64), torch.randn(3, dtype=torch.float64)
    critic = lambda x, h: x @ w + h @ v  # noqa: E731 - gradient (w, v) everywhere
    x, xf = torch.randn(8, 5, dtype=torch.float64), torch.randn(8, 5, dtype=torch.float64)
    h = torch.randn(8, 3, dtype=torch.float64)
    # single input with h as context: the gradient is taken in x only -> (‖w‖ − 1)²
    gp = losses.gradient_penalty(critic, x, xf, h)
    assert float(gp) == pytest.approx(float((w.norm() - 1) ** 2), rel=1e-9)
    # joint critic D₃: gradient over (x̃, h̃) together -> (√(‖w‖² + ‖v‖²) − 1)²
    hf = torch.randn(8, 3, dtype=torch.float64)
    gp = losses.gradient_penalty(critic, (x, h), (xf, hf))
    assert float(gp) == pytest.approx(float((torch.sqrt(w @ w + v @ v) - 1) ** 2), rel=1e-9)


def test_gradient_penalty_tuple_shares_one_epsilon():
    # D(x, h) = Σ x ⊙ h: ∇ₓ = h̃, ∇ₕ = x̃, so the penalty depends on how x̃ and h̃ are interpolated
    critic = lambda x, h: (x * h).sum(1)  # noqa: E731
    g = torch.Generator().manual_seed(5)
    x, xf, h, hf = (torch.randn(16, 4, generator=g, dtype=torch.float64) for _ in range(4))
    torch.manual_seed(11)
    gp = losses.gradient_penalty(critic, (x, h), (xf, hf))
    torch.manual_seed(11)
    eps = torch.rand(16, 1, dtype=torch.float64)
    xt, ht = eps * x + (1 - eps) * xf, eps * h + (1 - eps) * hf
    want = ((torch.sqrt((xt ** 2).sum(1) + (ht ** 2).sum(1)) - 1) ** 2).mean()
    assert float(gp.detach()) == pytest.approx(float(want), rel=1e-9)


def test_gradient_penalty_is_differentiable_in_critic_parameters():
    torch.manual_seed(0)
    critic = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.LeakyReLU(0.2), torch.nn.Linear(8, 1))
    D = lambda x, h: critic(torch.cat([x, h], 1)).squeeze(1)  # noqa: E731
    gp = losses.gradient_penalty(D, (torch.randn(4, 4), torch.randn(4, 2)), (torch.randn(4, 4), torch.randn(4, 2)))
    gp.backward()
    # every weight matrix gets a gradient; the output bias cannot (∇ₓD does not depend on it)
    weights = [critic[0].weight, critic[2].weight]
    assert all(p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0 for p in weights)


# -- the method's pieces ---------------------------------------------------------------------------
def test_class_centres():
    values = torch.tensor([[1.0, 0.0], [3.0, 2.0], [5.0, 5.0], [0.0, 1.0]])
    labels = torch.tensor([4, 4, 9, 2])
    centres, present = class_centres(values, labels, 10)
    assert centres.shape == (10, 2) and present.nonzero()[:, 0].tolist() == [2, 4, 9]
    np.testing.assert_allclose(centres[present].numpy(), [[0.0, 1.0], [2.0, 1.0], [5.0, 5.0]])
    assert (centres[~present] == 0).all()


def test_presets_and_weights():
    from zslkit.presets import budget_of

    for name in ("quick", "digits", "synthetic", "awa2-synthetic", "AWA1", "AWA2", "CUB", "SUN", "APY"):
        assert name in TwoLevel.presets
    assert set(TwoLevel.loss_weights()) == {"alpha1", "alpha2", "beta", "gamma", "lambda_gp"}
    cfg = zslkit.create("two-level").config
    assert (cfg.hidden_size, cfg.inference_hidden, cfg.lambda_gp, cfg.beta, cfg.batch_size) == (4096, 4096, 10.0, 0.01, 64)
    # AWA1/AWA2/APY: chosen on 2048-d awa2-synthetic folds (α₂ 1), counted in its images' updates
    assert zslkit.create("two-level", preset="AWA1").config.alpha2 == 1.0
    assert budget_of("two-level", "AWA2") == 3840
    assert zslkit.create("two-level", preset="CUB").config.alpha2 == 1.0   # the paper's CUB value
    sun = zslkit.create("two-level", preset="SUN").config                  # CUB's, checked on SUN-shaped folds
    assert (sun.hidden_size, sun.lr, sun.epochs, sun.alpha2) == (256, 1e-3, 40, 1.0)


def test_bad_recognition_inputs_are_named(tiny):
    with pytest.raises(ValueError, match="recognition_inputs"):
        zslkit.create("two-level", preset="quick", recognition_inputs=("x", "z")).fit(tiny, epochs=0, progress=False)


@pytest.fixture(scope="module")
def fitted(tiny):
    # enough L_CLS pre-training steps for the 60 tiny images (one batch per epoch)
    model = zslkit.create("two-level", preset="quick", cls_epochs=400)
    history = model.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    return model, history


def test_every_loss_term_is_in_the_history(fitted):
    _, history = fitted
    terms = {"wgan1", "gp1", "wgan2", "gp2", "wgan3", "gp3", "g_adv", "cls", "i_adv", "wasserstein", "joint", "total"}
    assert terms <= set(history.terms)
    for t in terms:
        assert np.all(np.isfinite(history[t])), t
    assert all(v > 0 for v in history["wasserstein"]) and all(v > 0 for v in history["cls"])


def test_networks_views_and_recognition_features(fitted, tiny):
    model, _ = fitted
    d, A, HI = tiny.feature_dim, tiny.embedding_dim, model.config.inference_hidden
    assert model.modules_["classifier"].in_features == d + A + HI
    assert model.modules_["classifier"].out_features == tiny.n_classes
    assert model.modules_["pretrained_classifier"].out_features == tiny.seen_classes.size
    assert not any(p.requires_grad for p in model.modules_["pretrained_classifier"].parameters())
    # the frozen L_CLS softmax learned the seen classes
    pre = model.modules_["pretrained_classifier"]
    X = torch.as_tensor(model.scaler_.transform(tiny.X("trainval")))
    pos = np.searchsorted(tiny.seen_classes, tiny.y("trainval"))
    assert (pre(X).argmax(1).numpy() == pos).mean() > 0.8
    # embed: ĥ = I(x), unit rows in the class-embedding space
    E = model.embed(tiny.X("test_unseen"))
    assert E.shape == (tiny.X("test_unseen").shape[0], A)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, rtol=1e-5)
    # synthesize: raw feature space, inside the training range (sigmoid output, MinMax undone)
    Xs, ys = model.synthesize(tiny.unseen_classes, 7)
    assert Xs.shape == (7 * tiny.unseen_classes.size, d) and Xs.dtype == np.float32
    assert ys.tolist() == np.repeat(tiny.unseen_classes, 7).tolist()
    lo, hi = tiny.X("trainval").min(0), tiny.X("trainval").max(0)
    assert np.all(Xs >= lo - 1e-5) and np.all(Xs <= hi + 1e-5)
    with pytest.raises(ValueError, match="classes"):
        model.synthesize([tiny.n_classes], 2)


def test_scores_are_log_probabilities(fitted, tiny):
    model, _ = fitted
    s = model.scores(tiny.X("test_seen"))
    np.testing.assert_allclose(np.exp(s).sum(1), 1.0, rtol=1e-5)


def test_disabled_modules_skip_their_critics(tiny):
    model = zslkit.create("two-level", preset="quick", alpha1=0.0, alpha2=0.0, recognition_inputs=("x",))
    h = model.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
    for t in ("wgan2", "gp2", "wgan3", "gp3", "i_adv", "wasserstein", "joint"):
        assert h[t] == [0.0], t
    assert h["wgan1"][0] != 0.0
    assert model.modules_["classifier"].in_features == tiny.feature_dim


def _prepared(tiny, **kw):
    kw = {"hidden_size": 64, "inference_hidden": 64, **kw}  # the small networks these step-level tests were written for
    model = zslkit.create("two-level", preset="quick", **kw)
    model.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    model.modules_.train()
    X = torch.as_tensor(model.scaler_.transform(tiny.X("trainval")))
    return model, X, torch.as_tensor(tiny.y("trainval"))


def test_critic_steps_raise_the_critic_estimates(tiny):
    # with G and I frozen, the critics' own steps must increase their Wasserstein estimates on
    # a fixed batch
    model, X, y = _prepared(tiny, critic_steps=10, lr=1e-3)
    for name in ("generator", "inference"):  # freeze G and I: only the critics learn here
        for group in model.optimizers_[name].param_groups:
            group["lr"] = 0.0
    torch.manual_seed(0)
    first = model.train_step(X, y, 0)
    torch.manual_seed(0)
    second = model.train_step(X, y, 0)
    for t in ("wgan1", "wgan2", "wgan3"):
        assert float(second[t]) > float(first[t]), t


@pytest.mark.parametrize("critic_steps, coupling_steps", [(5, 1), (2, 5), (3, None)])
def test_coupling_critic_steps_count_the_updates_of_d2_and_d3(tiny, critic_steps, coupling_steps):
    model, X, y = _prepared(tiny, critic_steps=critic_steps, coupling_critic_steps=coupling_steps)
    calls = {}
    update = model._update
    def counting(name, loss):
        calls[name] = calls.get(name, 0) + 1
        update(name, loss)
    model._update = counting
    model.train_step(X, y, 0)
    coupling = critic_steps if coupling_steps is None else coupling_steps
    assert calls == {"critic1": critic_steps, "critic2": coupling, "critic3": coupling}


def test_generator_and_inference_oppose_the_joint_critic(tiny):
    # ALI sign: G and I minimise W₃ = E[D₃(x, I(x))] − E[D₃(G(z, h), h)], the quantity D₃ maximises
    model, X, y = _prepared(tiny, critic_steps=0, alpha1=0.0, beta=0.0, alpha2=100.0, lr=1e-3)
    D3, G, I = model.modules_["critic3"], model.modules_["generator"], model.modules_["inference"]
    h = model.class_embeddings_[y]
    z = torch.randn(X.shape[0], model.noise_dim_, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        real_before = D3(X, I(X)[0]).mean()
        fake_before = D3(G(z, h), h).mean()
    model.train_step(X, y, 0)
    with torch.no_grad():
        real_after = D3(X, I(X)[0]).mean()
        fake_after = D3(G(z, h), h).mean()
    assert real_after < real_before      # I pushes ⟨x, I(x)⟩ down D₃'s score
    assert fake_after > fake_before      # G pushes ⟨G(z, h), h⟩ up (D₁'s term is small next to α₂ = 100)


def test_sinkhorn_term_pulls_inferred_centres_to_the_embeddings(tiny):
    # only the alignment acts on I: its loss must fall over a few steps
    model, X, y = _prepared(tiny, critic_steps=0, alpha2=0.0, beta=0.0, gamma=1000.0, lr=1e-3)
    before = [float(model.train_step(X, y, 0)["wasserstein"]) for _ in range(1)][0]
    for _ in range(30):
        after = float(model.train_step(X, y, 0)["wasserstein"])
    assert after < before
