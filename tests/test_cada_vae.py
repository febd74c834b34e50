"""CADA-VAE: its loss functions against closed forms and reference libraries, its warm-up
schedule, its loss terms in the history, and its pieces (classifier training set, embeddings,
synthesis)."""
import numpy as np
import pytest
import torch
from scipy.linalg import sqrtm

import zslkit
from zslkit import losses
from zslkit.methods.cada_vae import CADAVAE, validation_curve


def _gaussians(n=5, z=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, z, generator=g, dtype=torch.float64),
            torch.randn(n, z, generator=g, dtype=torch.float64))


# -- losses.gaussian_kl ---------------------------------------------------------------------------
def test_gaussian_kl_matches_torch_distributions():
    mu, logvar = _gaussians()
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(q, p)          # (n, z), per dimension
    torch.testing.assert_close(losses.gaussian_kl(mu, logvar), expected.sum())
    torch.testing.assert_close(losses.gaussian_kl(mu, logvar, reduction="mean"), expected.sum(1).mean())


def test_gaussian_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(3, 4)
    assert losses.gaussian_kl(zeros, zeros).item() == 0.0
    mu, logvar = _gaussians(seed=1)
    assert losses.gaussian_kl(mu, logvar).item() > 0


# -- losses.wasserstein2_diag ------------------------------------------------------------------------
def _w2_sqrtm(m1, v1, m2, v2):
    """The general 2-Wasserstein (Bures) formula with matrix square roots (scipy)."""
    S1, S2 = np.diag(v1), np.diag(v2)
    r2 = sqrtm(S2)
    cross = sqrtm(r2 @ S1 @ r2)
    return np.sqrt(np.sum((m1 - m2) ** 2) + np.trace(S1 + S2 - 2 * np.real(cross)))


def test_wasserstein2_diag_matches_the_general_formula():
    mu1, lv1 = _gaussians(seed=2)
    mu2, lv2 = _gaussians(seed=3)
    expected = [_w2_sqrtm(mu1[i].numpy(), lv1[i].exp().numpy(), mu2[i].numpy(), lv2[i].exp().numpy())
                for i in range(mu1.shape[0])]
    got = losses.wasserstein2_diag(mu1, lv1, mu2, lv2)
    np.testing.assert_allclose(got.item(), np.sum(expected), rtol=1e-6)
    np.testing.assert_allclose(losses.wasserstein2_diag(mu1, lv1, mu2, lv2, reduction="mean").item(),
                               np.mean(expected), rtol=1e-6)


def test_wasserstein2_diag_matches_pot():
    ot_gaussian = pytest.importorskip("ot.gaussian")
    mu1, lv1 = _gaussians(n=1, z=6, seed=4)
    mu2, lv2 = _gaussians(n=1, z=6, seed=5)
    expected = ot_gaussian.bures_wasserstein_distance(mu1[0].numpy(), mu2[0].numpy(),
                                                      np.diag(lv1[0].exp().numpy()), np.diag(lv2[0].exp().numpy()))
    np.testing.assert_allclose(losses.wasserstein2_diag(mu1, lv1, mu2, lv2).item(), float(expected), rtol=1e-6)


def test_wasserstein2_diag_is_symmetric_and_zero_for_equal_inputs():
    mu1, lv1 = _gaussians(seed=6)
    mu2, lv2 = _gaussians(seed=7)
    torch.testing.assert_close(losses.wasserstein2_diag(mu1, lv1, mu2, lv2),
                               losses.wasserstein2_diag(mu2, lv2, mu1, lv1))
    assert losses.wasserstein2_diag(mu1, lv1, mu1, lv1).item() < 1e-5   # only the √(1e-12) guard remains


def test_l1_reconstruction_is_the_summed_l1_loss():
    a, b = _gaussians(seed=8)
    torch.testing.assert_close(losses.l1_reconstruction(a, b), torch.nn.functional.l1_loss(b, a, reduction="sum"))


# -- losses.reparameterize -------------------------------------------------------------------------------
def test_reparameterize_paper_mode_has_per_dimension_noise_of_the_right_variance():
    torch.manual_seed(0)
    n = 20000
    mu = torch.tensor([1.0, -2.0, 0.5]).repeat(n, 1)
    logvar = torch.tensor([0.0, np.log(4.0), np.log(0.25)], dtype=torch.float32).repeat(n, 1)
    z = losses.reparameterize(mu, logvar, mode="paper")
    np.testing.assert_allclose(z.mean(0).numpy(), [1.0, -2.0, 0.5], atol=0.05)
    np.testing.assert_allclose(z.std(0).numpy(), [1.0, 2.0, 0.5], rtol=0.03)       # σ = exp(½ logvar)
    eps = ((z - mu) / torch.exp(0.5 * logvar)).numpy()
    assert abs(np.corrcoef(eps.T)[0, 1]) < 0.05                                    # independent dimensions


def test_reparameterize_reference_code_mode_shares_one_scalar_noise_per_sample():
    torch.manual_seed(0)
    n = 20000
    mu = torch.zeros(n, 3)
    logvar = torch.tensor([0.0, np.log(4.0), np.log(0.25)], dtype=torch.float32).repeat(n, 1)
    z = losses.reparameterize(mu, logvar, mode="reference-code")
    eps = z / torch.exp(logvar)                                   # σ is exp(logvar), not exp(½ logvar)
    torch.testing.assert_close(eps[:, 0], eps[:, 1])
    torch.testing.assert_close(eps[:, 0], eps[:, 2])
    np.testing.assert_allclose(z.std(0).numpy(), [1.0, 4.0, 0.25], rtol=0.03)
    with pytest.raises(ValueError, match="reparameterisation mode"):
        losses.reparameterize(mu, logvar, mode="other")


# -- the method -------------------------------------------------------------------------------------------
def test_warmup_schedule_is_the_reference_table():
    m = CADAVAE()
    w0, w14, w48, w100 = (m.weights_at(e) for e in (0, 14, 48, 100))
    assert w0 == {"beta": 0.0, "gamma": 0.0, "delta": 0.0}
    assert w14["delta"] == pytest.approx(8.13 * 8 / 16) and w14["gamma"] == 0.0
    assert w48["gamma"] == pytest.approx(2.37 * 27 / 54) and w48["delta"] == pytest.approx(8.13)
    assert w48["beta"] == pytest.approx(0.25 * 48 / 93)
    assert w100 == pytest.approx({"beta": 0.25, "gamma": 2.37, "delta": 8.13})


FAST = dict(image_encoder_hidden=32, image_decoder_hidden=32, attribute_encoder_hidden=32,
            attribute_decoder_hidden=32, latent_size=8, batch_size=16, seen_samples=20, unseen_samples=30,
            classifier_epochs=3, beta_start=0, beta_end=0, gamma_start=0, gamma_end=0, delta_start=0, delta_end=0)


@pytest.fixture(scope="module")
def fitted(tiny):
    model = zslkit.create("cada-vae", **FAST)
    history = model.fit(tiny, epochs=3, seed=0, device="cpu", progress=False)
    return model, history


def test_every_loss_term_is_in_the_history_and_the_total_adds_up(fitted):
    model, history = fitted
    assert history.terms == ["reconstruction", "kl", "cross_reconstruction", "distribution_alignment", "total"]
    w = model.weights_at(2)   # step warm-ups: the full weights from epoch 0 on
    expected = (history["reconstruction"][-1] + w["beta"] * history["kl"][-1]
                + w["gamma"] * history["cross_reconstruction"][-1] + w["delta"] * history["distribution_alignment"][-1])
    assert history["total"][-1] == pytest.approx(expected, rel=1e-5)


def test_classifier_training_set_has_the_configured_samples_per_class(tiny):
    model = zslkit.create("cada-vae", **FAST)
    model.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
    problem = model._problem(tiny, "cpu")
    Z, labels = model.classifier_training_set(problem)
    counts = np.bincount(labels.numpy(), minlength=tiny.n_classes)
    assert Z.shape == (labels.shape[0], 8)
    assert all(counts[c] == 20 for c in tiny.seen_classes)        # 20 > images per class: tiled
    assert all(counts[c] == 30 for c in tiny.unseen_classes)


def test_embeddings_and_synthesis(fitted, tiny):
    model, _ = fitted
    X = tiny.X("test_unseen")
    emb = model.embed(X)
    assert emb.shape == (X.shape[0], 8) and emb.dtype == np.float32
    emb_classes = model.embed_classes([int(c) for c in tiny.unseen_classes])
    assert emb_classes.shape == (tiny.unseen_classes.size, 8)
    assert model.embed_classes().shape == (tiny.n_classes, 8)
    samples, labels = model.synthesize(tiny.unseen_classes, 500, seed=3)
    assert samples.shape == (tiny.unseen_classes.size * 500, 8)
    np.testing.assert_array_equal(labels, np.repeat(tiny.unseen_classes, 500))
    # the samples scatter around the attribute encoder's mean of their class
    for i, c in enumerate(tiny.unseen_classes):
        np.testing.assert_allclose(samples[labels == c].mean(0), emb_classes[i], atol=0.25)
    again, _ = model.synthesize(tiny.unseen_classes, 500, seed=3)
    np.testing.assert_array_equal(samples, again)
    with pytest.raises(ValueError, match="class indices"):
        model.synthesize([tiny.n_classes], 2)
    # scores are log-probabilities of the classifier applied to the image means
    s = model.scores(X)
    np.testing.assert_allclose(np.exp(s).sum(1), 1.0, rtol=1e-5)


def test_alignment_brings_image_latents_to_their_class(tiny):
    """Training pulls each image's μ_x nearer its own class's μ_a than any other class's."""
    X, y = tiny.X("trainval"), tiny.y("trainval")

    def nearest_class_accuracy(epochs):
        model = zslkit.create("cada-vae", **{**FAST, "latent_size": 4, "classifier_epochs": 1, "lr": 1e-3})
        model.fit(tiny, epochs=epochs, seed=0, device="cpu", progress=False)
        d = ((model.embed(X)[:, None, :] - model.embed_classes(tiny.seen_classes)[None]) ** 2).sum(-1)
        return (tiny.seen_classes[d.argmin(1)] == y).mean()

    before, after = nearest_class_accuracy(0), nearest_class_accuracy(40)
    assert after > 0.5 and after > 2 * before      # chance: 1/6


def test_the_reference_codes_reparameterization_is_the_default_and_the_papers_an_option(tiny):
    # the default reproduces the official code (results/fidelity/); presets chosen with the
    # paper's formula pin it
    assert zslkit.create("cada-vae").config.reparameterization == "reference-code"
    assert zslkit.create("cada-vae", preset="quick").config.reparameterization == "paper"
    for mode in ("reference-code", "paper"):
        model = zslkit.create("cada-vae", reparameterization=mode, **FAST)
        history = model.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
        assert np.isfinite(history["total"][0])
    with pytest.raises(ValueError, match="reparameterization"):
        zslkit.create("cada-vae", reparameterization="sigma", **FAST).fit(tiny, epochs=1, progress=False)


def test_presets_exist():
    for name in ("quick", "digits", "synthetic", "awa2-synthetic", "AWA1", "AWA2", "CUB", "SUN", "APY"):
        zslkit.create("cada-vae", preset=name)
    assert zslkit.create("cada-vae", preset="AWA2").config.classifier_epochs == 29


def test_validation_curve_uses_the_validation_view(tiny):
    config = {k: v for k, v in FAST.items() if k != "classifier_epochs"}
    out = validation_curve(tiny, classifier_epochs=(1, 2), epochs=3, **config)
    assert set(out) == {"history", 1, 2}
    assert all(0.0 <= out[e]["H"] <= 1.0 for e in (1, 2))
