"""SP-AEN: its loss functions against hand-computed values and closed forms, and the method's
two-stage schedule, loss terms and scores."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import zslkit
from zslkit import losses

# -- margin ranking (Eq. 2) --------------------------------------------------------------------

SCORES = torch.tensor([[0.9, 0.8, 0.1, 0.5],
                       [0.0, 0.3, 0.4, 0.2]])
LABELS = torch.tensor([0, 2])


def test_margin_ranking_all_by_hand():
    # sample 0, true 0.9: hinges 0.2 − 0.9 + {0.8, 0.1, 0.5} → {0.1, 0, 0}        sum 0.1
    # sample 1, true 0.4: hinges 0.2 − 0.4 + {0.0, 0.3, 0.2} → {0, 0.1, 0.0}      sum 0.1
    got = losses.margin_ranking(SCORES, LABELS, margin=0.2, negatives="all", reduction="sum")
    assert got.item() == pytest.approx(0.2, abs=1e-6)
    mean = losses.margin_ranking(SCORES, LABELS, margin=0.2, negatives="all", reduction="mean")
    assert mean.item() == pytest.approx(0.1, abs=1e-6)
    # margin 1: sample 0 → {0.9, 0.2, 0.6}, sample 1 → {0.6, 0.9, 0.8}
    got = losses.margin_ranking(SCORES, LABELS, margin=1.0, negatives="all", reduction="sum")
    assert got.item() == pytest.approx(1.7 + 2.3, abs=1e-6)


def test_margin_ranking_random_draws_only_wrong_labels_uniformly():
    torch.manual_seed(0)
    # one image, true class 1; the hinge of each wrong label is distinct and the true label's
    # own "hinge" would be the margin itself (5.0), so every draw can be identified.
    scores = torch.tensor([[1.0, 0.0, 2.0, 3.0]])
    margin = 5.0
    hinge = {0: 6.0, 2: 7.0, 3: 8.0}
    seen = []
    for _ in range(600):
        v = losses.margin_ranking(scores, torch.tensor([1]), margin=margin, negatives="random").item()
        assert v in hinge.values() and v != margin
        seen.append(v)
    counts = np.array([seen.count(h) for h in hinge.values()])
    assert counts.min() > 150  # uniform over the 3 wrong labels: 200 each expected


def test_margin_ranking_violating_prefers_a_violating_label():
    torch.manual_seed(0)
    # true class 0 (score 1.0); only class 2 (0.95) violates margin 0.2
    scores = torch.tensor([[1.0, 0.0, 0.95, 0.1]])
    for _ in range(50):
        v = losses.margin_ranking(scores, torch.tensor([0]), margin=0.2, negatives="violating")
        assert v.item() == pytest.approx(0.15, abs=1e-6)


@pytest.mark.parametrize("negatives", ["random", "violating", "all"])
def test_margin_ranking_is_zero_when_the_margin_is_met(negatives):
    torch.manual_seed(0)
    scores = torch.tensor([[1.0, 0.7, 0.2], [0.1, 0.5, 0.8], [0.3, 1.5, 1.2]])
    labels = torch.tensor([0, 2, 1])  # every true score beats every other by ≥ 0.3
    assert losses.margin_ranking(scores, labels, margin=0.2, negatives=negatives).item() == 0.0
    assert losses.margin_ranking(scores, labels, margin=0.3, negatives=negatives).item() == 0.0
    assert losses.margin_ranking(scores, labels, margin=0.31, negatives=negatives).item() > 0.0


def test_margin_ranking_rejects_an_unknown_negative_rule():
    with pytest.raises(ValueError, match="negatives"):
        losses.margin_ranking(SCORES, LABELS, negatives="hardest")


# -- WGAN-GP (Gulrajani et al. 2017) -------------------------------------------------------------

@pytest.mark.parametrize("scale", [0.3, 1.0, 2.5])
def test_gradient_penalty_of_a_linear_critic(scale):
    # D(z) = wᵀz + b has ∇D = w everywhere, so the penalty is (‖w‖ − 1)² at every interpolate.
    torch.manual_seed(0)
    critic = torch.nn.Linear(7, 1)
    with torch.no_grad():
        critic.weight.copy_(F.normalize(torch.randn(1, 7), dim=1) * scale)
    real, fake = torch.randn(32, 7), torch.randn(32, 7) + 3
    gp = losses.gradient_penalty(critic, real, fake)
    assert gp.item() == pytest.approx((scale - 1.0) ** 2, abs=1e-5)
    # and it is differentiable in the critic's weights: d/dw (‖w‖ − 1)² = 2(‖w‖ − 1) w/‖w‖
    gp.backward()
    w = critic.weight.detach()
    np.testing.assert_allclose(critic.weight.grad.numpy(), (2 * (scale - 1) * w / w.norm()).numpy(), atol=1e-5)


def test_wgan_critic_loss_is_fake_minus_real_mean():
    real, fake = torch.tensor([[1.0], [3.0]]), torch.tensor([[0.5], [-0.5], [1.5]])
    assert losses.wgan_critic_loss(real, fake).item() == pytest.approx(0.5 - 2.0)


# -- the method ----------------------------------------------------------------------------------

TERMS = {"cls", "rec", "adv", "critic", "gp", "total"}


def params(model, name):
    return torch.cat([p.detach().flatten().clone() for p in model.modules_[name].parameters()])


def test_every_loss_term_is_in_the_history_and_the_warm_up_reports_zeros(tiny):
    m = zslkit.create("sp-aen", preset="quick", warmup_epochs=2)
    h = m.fit(tiny, epochs=4, seed=0, device="cpu", progress=False)
    assert set(h.terms) == TERMS
    for term in ("cls", "adv", "critic", "gp"):
        assert h[term][:2] == [0.0, 0.0], term          # stage 1: E and D have not started
    assert all(v > 0 for v in h["rec"])                   # F, G reconstruct from epoch 0
    assert h["cls"][2] > 0 and h["gp"][2] > 0             # stage 2: E and D train
    # total = cls + α·rec + β·adv epoch by epoch (the same batches are averaged for each term)
    c = m.config
    for e in range(4):
        expect = h["cls"][e] + c.alpha * h["rec"][e] + c.beta * h["adv"][e]
        assert h["total"][e] == pytest.approx(expect, rel=1e-4, abs=1e-5)


def test_schedule_beta_warm_up_and_learning_rate_decay():
    m = zslkit.create("sp-aen", beta=4.0, warmup_epochs=2, beta_warmup_epochs=4, lr=1e-3, lr_critic=2e-3,
                      lr_decay_epoch=5)
    assert [m.schedule(e)["beta"] for e in range(8)] == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 4.0]
    assert [m.schedule(e)["lr_factor"] for e in (0, 4, 5, 9)] == [1.0, 1.0, 0.1, 0.1]
    step = zslkit.create("sp-aen", beta=4.0, warmup_epochs=2)   # the code: full β at once
    assert [step.schedule(e)["beta"] for e in range(4)] == [0.0, 0.0, 4.0, 4.0]


def test_learning_rates_follow_the_schedule(tiny):
    m = zslkit.create("sp-aen", preset="quick", warmup_epochs=1, lr=1e-3, lr_critic=2e-3, lr_decay_epoch=2)
    m.fit(tiny, epochs=3, seed=0, device="cpu", progress=False)
    assert m.optimizers_["E"].param_groups[0]["lr"] == pytest.approx(1e-4)
    assert m.optimizers_["FG"].param_groups[0]["lr"] == pytest.approx(1e-4)
    assert m.optimizers_["D"].param_groups[0]["lr"] == pytest.approx(2e-4)


def test_f_is_standardised_to_unit_norm_on_average(tiny):
    m = zslkit.create("sp-aen", preset="quick")
    m.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
    m.modules_.train()
    with torch.no_grad():
        f = m.modules_["F"](torch.as_tensor(m.scaler_.transform(tiny.X("trainval"))))
    np.testing.assert_allclose(f.mean(0).numpy(), 0.0, atol=1e-5)
    # BatchNorm divides by sqrt(var + eps), so the mean squared norm sits a little under 1
    assert f.pow(2).sum(1).mean().item() == pytest.approx(1.0, rel=1e-2)


def test_warm_up_trains_only_f_and_g(tiny):
    ref = zslkit.create("sp-aen", preset="quick")
    ref.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)   # the initial networks
    m = zslkit.create("sp-aen", preset="quick", warmup_epochs=2)
    m.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    for name in ("E", "D"):
        assert torch.equal(params(m, name), params(ref, name)), name
    for name in ("F", "G"):
        assert not torch.equal(params(m, name), params(ref, name)), name
    m3 = zslkit.create("sp-aen", preset="quick", warmup_epochs=2)
    m3.fit(tiny, epochs=3, seed=0, device="cpu", progress=False)
    for name in ("E", "D"):
        assert not torch.equal(params(m3, name), params(ref, name)), name


@pytest.mark.parametrize("adversarial_f", [False, True])
def test_f_takes_part_in_the_game_only_when_asked(tiny, adversarial_f):
    # α = 0: F has no reconstruction gradient, so it moves iff it gets L_adv's gradient.
    # β > 0 from the first epoch, or there is no adversarial gradient to take part in
    kw = dict(warmup_epochs=0, alpha=0.0, beta=5.0, beta_warmup_epochs=0, adversarial_f=adversarial_f)
    ref = zslkit.create("sp-aen", preset="quick", **kw)
    ref.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    m = zslkit.create("sp-aen", preset="quick", **kw)
    m.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    assert torch.equal(params(m, "F"), params(ref, "F")) is (not adversarial_f)


def test_scores_are_dot_products_with_normalised_class_embeddings(tiny):
    m = zslkit.create("sp-aen", preset="quick")
    m.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    X = tiny.X("test_unseen")
    e = m.embed(X)
    assert e.shape == (X.shape[0], tiny.embedding_dim)
    a = tiny.class_embeddings / np.linalg.norm(tiny.class_embeddings, axis=1, keepdims=True)
    np.testing.assert_allclose(m.scores(X), e @ a.T, rtol=1e-5, atol=1e-5)
    assert m.embed(X, branch="F").shape == e.shape
    assert m.reconstruct(X).shape == X.shape
    with pytest.raises(ValueError, match="branch"):
        m.embed(X, branch="G")


def test_reconstruction_term_is_the_squared_error_of_g_of_f(tiny):
    # one warm-up epoch on one full batch: the reported rec is ‖G(F(x)) − x‖² before the update.
    m = zslkit.create("sp-aen", preset="quick", warmup_epochs=1, batch_size=10_000)
    ref = zslkit.create("sp-aen", preset="quick", batch_size=10_000)
    ref.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    h = m.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
    x = torch.as_tensor(ref.scaler_.transform(tiny.X("trainval")))
    ref.modules_.train()  # F standardises with the batch's statistics while training
    with torch.no_grad():
        expect = (ref.modules_["G"](ref.modules_["F"](x)) - x).pow(2).sum(1).mean().item()
    assert h["rec"][0] == pytest.approx(expect, rel=1e-5)


def test_bad_negative_rule_is_named():
    with pytest.raises(ValueError, match="negatives"):
        zslkit.create("sp-aen", negatives="hardest").fit(
            zslkit.datasets.make_synthetic(n_classes=4, n_unseen=1, embedding_dim=3, feature_dim=5,
                                           images_per_class=8, seed=0), epochs=1, progress=False, device="cpu")
