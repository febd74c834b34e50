"""MIANet: its three loss functions against closed forms / scikit-learn, and the method's parts
(balanced pairs, tied-weight reconstructors, the alternation, the latent views)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import log_loss

import zslkit
from zslkit import losses
from zslkit.methods.mianet import MIANet


# -- losses.feature_semantic_orthogonality (Eq. 1) ---------------------------------------------

def _pairs_with_cosines(cosines):
    """2-d unit vectors v = e1 and s at angle arccos(c) from it: v·s = c exactly."""
    c = torch.as_tensor(cosines, dtype=torch.float64)
    v = torch.stack([torch.ones_like(c), torch.zeros_like(c)], 1)
    s = torch.stack([c, torch.sqrt(1 - c ** 2)], 1)
    return v, s


def test_feature_semantic_orthogonality_is_bce_on_cosines():
    cos = [0.9, 0.2, 0.7, 0.05, 0.5]
    match = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
    v, s = _pairs_with_cosines(cos)
    got = losses.feature_semantic_orthogonality(3.0 * v, 0.5 * s, match)  # norms do not matter
    want = F.binary_cross_entropy(torch.tensor(cos, dtype=torch.float64), match)
    assert torch.allclose(got, want, atol=1e-10)
    assert got.item() == pytest.approx(log_loss(match.numpy(), np.array(cos), labels=[0, 1]), rel=1e-9)
    # the paper's formula written out
    c = np.array(cos)
    m = match.numpy()
    assert got.item() == pytest.approx(-np.mean(m * np.log(c) + (1 - m) * np.log(1 - c)), rel=1e-9)


def test_feature_semantic_orthogonality_clamps_non_positive_cosines():
    v, s = _pairs_with_cosines([-0.5, 1.0])
    out = losses.feature_semantic_orthogonality(v, s, torch.tensor([1.0, 0.0], dtype=torch.float64), eps=1e-3)
    assert torch.isfinite(out)
    assert out.item() == pytest.approx(-np.log(1e-3), rel=1e-6)  # both pairs sit at the clamp


# -- losses.semantic_orthogonality (Eq. 2) -----------------------------------------------------

def test_semantic_orthogonality_zero_for_orthonormal_rows():
    q, _ = torch.linalg.qr(torch.randn(7, 4, dtype=torch.float64))  # 7×4, orthonormal columns
    assert losses.semantic_orthogonality(q.T).item() == pytest.approx(0.0, abs=1e-20)


def test_semantic_orthogonality_hand_case():
    A = torch.tensor([[1.0, 0.0], [1.0, 1.0]])  # Gram [[1, 1], [1, 2]] − I = [[0, 1], [1, 1]]
    assert losses.semantic_orthogonality(A).item() == pytest.approx(3.0)
    A = torch.tensor([[2.0, 0.0, 0.0]])  # a single class of norm 2: (4 − 1)²
    assert losses.semantic_orthogonality(A).item() == pytest.approx(9.0)


# -- losses.modality_discriminator_loss (Eqs. 3–4) ---------------------------------------------

def test_modality_discriminator_loss_matches_log_loss():
    g = torch.Generator().manual_seed(0)
    lv, ls = torch.randn(5, 2, generator=g, dtype=torch.float64), torch.randn(3, 2, generator=g, dtype=torch.float64)
    got = losses.modality_discriminator_loss(lv, ls).item()
    probs = torch.softmax(torch.cat([lv, ls]), 1).numpy()
    labels = np.r_[np.zeros(5), np.ones(3)]  # visual = 0, semantic = 1
    assert got == pytest.approx(log_loss(labels, probs, labels=[0, 1]), rel=1e-9)
    # the paper's f (Eq. 4) sums the binary cross-entropy over both softmax outputs: twice this
    f = -(np.log(probs[labels == 0, 0]).sum() + np.log(probs[labels == 1, 1]).sum()) * 2 / 8
    assert 2 * got == pytest.approx(f, rel=1e-9)


# -- the method ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fitted(tiny):
    model = zslkit.create("mianet", preset="quick")
    history = model.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    return model, history


def test_history_has_every_term(fitted):
    _, history = fitted
    assert set(history.terms) == {"total", "orf", "ors", "rec_semantic", "rec_feature", "dis", "dis_embedders"}
    for term in history.terms:
        assert np.all(np.isfinite(history[term]))


def test_total_is_eq7(tiny):
    model = zslkit.create("mianet", preset="quick", alpha=3.0, beta=0.5, gamma=0.25)
    model.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
    model.modules_.train()
    x, y = model._problem(tiny, "cpu").X[:16], torch.as_tensor(tiny.y("trainval")[:16])
    t = model.train_step(x, y, 0)
    want = t["orf"] + 3.0 * t["ors"] + 0.5 * (t["rec_semantic"] + t["rec_feature"]) - 0.25 * t["dis_embedders"]
    assert torch.allclose(t["total"], want, rtol=1e-5)


def test_latent_size_default_is_twice_the_classes(tiny):
    model = zslkit.create("mianet")                      # the paper's z = 2(s + u)
    model.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    assert model.embed_classes().shape == (tiny.n_classes, 2 * tiny.n_classes)
    assert model.modules_["discriminator"].net[0].in_features == 2 * tiny.n_classes
    model = zslkit.create("mianet", latent_dim=7)
    model.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    assert model.embed(tiny.features).shape == (tiny.features.shape[0], 7)


def test_latent_views(fitted, tiny):
    model, _ = fitted
    C = tiny.n_classes
    z = round(model.config.latent_factor * C)
    V, A = model.embed(tiny.features), model.embed_classes()
    assert V.shape == (tiny.features.shape[0], z) and A.shape == (C, z)
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(A, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(model.scores(tiny.features), V @ A.T, atol=1e-5)  # scores are cosines


def test_negatives_are_other_seen_classes(fitted, tiny):
    model, _ = fitted
    seen = torch.as_tensor(tiny.seen_classes)
    y = seen.repeat(200)
    neg = model._negatives(y)
    assert torch.all(neg != y) and torch.all(torch.isin(neg, seen))
    # uniform over the other seen classes
    counts = torch.bincount(neg[y == seen[0]], minlength=tiny.n_classes)[seen[1:]]
    assert counts.min() > 0


def test_reconstructors_share_the_embedders_weights(fitted):
    model, _ = fitted
    m = model.modules_
    rec, vis, sem = m["reconstructors"], m["visual"], m["semantic"]
    # only biases of their own: no weight matrix in the reconstructors
    assert all(p.ndim == 1 for p in rec.parameters())
    n_own = sum(p.numel() for p in rec.parameters())
    assert n_own == sem.fc.in_features + vis.fc1.out_features + vis.fc1.in_features
    # R_s(v) = v W_s + b is the transpose of the semantic layer
    v = torch.randn(3, sem.fc.out_features)
    with torch.no_grad():
        assert torch.allclose(rec.to_semantic(v), v @ sem.fc.weight + rec.bias_semantic)
    # gradients of L_rec reach the embedders' weights; changing them changes the reconstruction
    rec_loss = rec.to_feature(v).pow(2).sum() + rec.to_semantic(v).pow(2).sum()
    grads = torch.autograd.grad(rec_loss, [vis.fc1.weight, vis.fc2.weight, sem.fc.weight])
    assert all(g.abs().sum() > 0 for g in grads)
    before = rec.to_semantic(v).detach().clone()
    with torch.no_grad():
        sem.fc.weight.mul_(2.0)
        after = rec.to_semantic(v)
        sem.fc.weight.div_(2.0)
    assert not torch.allclose(before, after)
    # the shared weights are counted once in the model
    names = [n for n, _ in m.named_parameters()]
    assert not any(n.startswith("reconstructors.") and n.endswith("weight") for n in names)


def test_tie_survives_save_and_load(fitted, tmp_path, tiny):
    model, _ = fitted
    model.save(tmp_path / "m.pt")
    again = zslkit.load_model(tmp_path / "m.pt")
    rec, sem = again.modules_["reconstructors"], again.modules_["semantic"]
    assert rec._semantic is sem and rec._visual is again.modules_["visual"]
    np.testing.assert_array_equal(again.embed_classes(), model.embed_classes())


def test_embedder_step_does_not_move_the_discriminator(tiny):
    """Eq. 7 fixes W_d: with a zero discriminator learning rate, D never changes; the
    embedders (and with lr > 0 the discriminator, Eq. 6) do."""
    model = zslkit.create("mianet", preset="quick", lr_discriminator=0.0)
    model.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    model.modules_.train()
    d0 = [p.detach().clone() for p in model.modules_["discriminator"].parameters()]
    e0 = model.modules_["visual"].fc1.weight.detach().clone()
    problem = model._problem(tiny, "cpu")
    model.train_step(problem.X[:32], problem.y[:32], 0)
    assert all(torch.equal(a, b) for a, b in zip(d0, model.modules_["discriminator"].parameters()))
    assert not torch.equal(e0, model.modules_["visual"].fc1.weight)

    model = zslkit.create("mianet", preset="quick", lr=0.0)
    model.fit(tiny, epochs=0, seed=0, device="cpu", progress=False)
    model.modules_.train()
    d0 = [p.detach().clone() for p in model.modules_["discriminator"].parameters()]
    e0 = [p.detach().clone() for p in model.modules_["visual"].parameters()]
    model.train_step(problem.X[:32], problem.y[:32], 0)
    assert not all(torch.equal(a, b) for a, b in zip(d0, model.modules_["discriminator"].parameters()))
    assert all(torch.equal(a, b) for a, b in zip(e0, model.modules_["visual"].parameters()))


def test_discriminator_learns_to_separate_fixed_modalities():
    """Eq. 6 alone: a discriminator trained on two separable latent clouds gets its loss far below
    chance (2 ln 2 in the paper's scale)."""
    torch.manual_seed(0)
    from zslkit.methods.mianet import ModalityDiscriminator

    D = ModalityDiscriminator(8, 30)
    opt = torch.optim.Adam(D.parameters(), lr=1e-2)
    v, s = torch.randn(64, 8) + 2, torch.randn(64, 8) - 2
    for _ in range(100):
        loss = losses.modality_discriminator_loss(D(v), D(s))
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.05


def test_learns_on_digits_quick(digits):
    model = zslkit.create("mianet", preset="quick")  # the quick preset's 15 epochs suit critters' 8x more images
    model.fit(digits, epochs=40, seed=0, device="cpu", progress=False)
    h = model.history_
    assert h["orf"][-1] < h["orf"][0] and h["ors"][-1] < h["ors"][0]
    r = zslkit.evaluate(model, digits)
    assert r.S > 0.5  # far above chance (1/10) on the seen classes
