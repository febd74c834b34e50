"""ACMR (Fang et al., AAAI 2022): its loss terms against closed forms and reference libraries,
and its own pieces (IEM gate and permutations, VSA weighting, warm-up table, history terms)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import zslkit
from zslkit.losses import gaussian_kl, l1_reconstruction, reparameterize, wasserstein2_diag
from zslkit.methods.acmr import ACMR, InformationEnhancement, VisionSemanticAlignment, vsa_weighting
from zslkit.methods.base import Problem


def _gaussians(n=6, z=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, z, generator=g, dtype=torch.float64) for _ in range(4)]


def _problem(n_classes=7, d=10, k=4, n=60, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % (n_classes - 2)
    return Problem(class_embeddings=torch.rand(n_classes, k, generator=g), seen=torch.arange(n_classes - 2),
                   unseen=torch.arange(n_classes - 2, n_classes), feature_dim=d, device=torch.device("cpu"),
                   X=torch.rand(n, d, generator=g), y=y)


def _built(preset="quick", **kw):
    """An ACMR with its networks set up on a small problem (no training)."""
    model = zslkit.create("acmr", preset=preset, **kw)
    problem = _problem()
    model.modules_, model.optimizers_ = torch.nn.ModuleDict(), {}
    model.setup(problem)
    model.class_embeddings_ = problem.class_embeddings
    return model, problem


# -- the loss terms ACMR uses ------------------------------------------------------------------
def test_kl_matches_torch_distributions():
    mu, logvar, _, _ = _gaussians()
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    expected = torch.distributions.kl_divergence(q, p).sum()
    torch.testing.assert_close(gaussian_kl(mu, logvar), expected)
    torch.testing.assert_close(gaussian_kl(mu, logvar, reduction="mean"), expected / mu.shape[0])


def test_mutual_alignment_matches_pot_bures_wasserstein():
    import ot

    mu1, lv1, mu2, lv2 = _gaussians(seed=1)
    ours = wasserstein2_diag(mu1, lv1, mu2, lv2, reduction="mean")
    pot = [ot.gaussian.bures_wasserstein_distance(mu1[i].numpy(), mu2[i].numpy(), np.diag(lv1[i].exp().numpy()),
                                                  np.diag(lv2[i].exp().numpy())) for i in range(mu1.shape[0])]
    np.testing.assert_allclose(ours.item(), np.mean(pot), rtol=1e-6)
    assert wasserstein2_diag(mu1, lv1, mu1, lv1).item() < 1e-4  # zero for equal distributions


def test_l1_reconstruction_matches_sklearn():
    from sklearn.metrics import mean_absolute_error

    x, x_hat, _, _ = _gaussians(n=8, z=3, seed=2)
    # summed over the dimensions and the batch = MAE · n · d
    expected = mean_absolute_error(x.numpy(), x_hat.numpy()) * x.numel()
    np.testing.assert_allclose(l1_reconstruction(x, x_hat).item(), expected, rtol=1e-10)


def test_vsa_heads_nll_matches_sklearn_log_loss():
    from sklearn.metrics import log_loss

    torch.manual_seed(0)
    vsa = VisionSemanticAlignment(latent=8, n_classes=5)
    z_x, z_a, y = torch.randn(20, 8), torch.randn(20, 8), torch.arange(20) % 4  # labels on 4 "seen" of 5 classes
    logp_x, logp_a = vsa(z_x, z_a)
    assert logp_x.shape == logp_a.shape == (20, 5)  # log-softmax over ALL classes
    torch.testing.assert_close(logp_x.exp().sum(1), torch.ones(20))
    for logp in (logp_x, logp_a):
        prob = logp.detach().double().exp()
        prob = prob / prob.sum(1, keepdim=True)  # exact in float64: sklearn checks that rows sum to one
        ref = log_loss(y.numpy(), prob.numpy(), labels=range(5))
        np.testing.assert_allclose(F.nll_loss(logp, y).item(), ref, rtol=1e-5)


def test_reparameterisation_paper_moments():
    torch.manual_seed(0)
    mu, logvar = torch.full((20000, 2), 1.5), torch.full((20000, 2), np.log(0.25))
    z = reparameterize(mu, logvar, "paper")
    np.testing.assert_allclose(z.mean(0).numpy(), 1.5, atol=0.02)
    np.testing.assert_allclose(z.std(0).numpy(), 0.5, atol=0.02)


# -- the VSA weighting -------------------------------------------------------------------------
def test_vsa_weighting_softmax_over_first_axis():
    torch.manual_seed(0)
    z_x, z_a = torch.randn(3, 6), torch.randn(3, 6)
    R = vsa_weighting(z_x, z_a, "none")
    assert R.shape == (3, 6, 6) and torch.all(R > 0)
    torch.testing.assert_close(R.sum(dim=1), torch.ones(3, 6))  # each column of each R̃ sums to 1
    i = 1
    torch.testing.assert_close(R[i], torch.softmax(torch.outer(z_x[i], z_a[i]), dim=0))  # the code's form
    R8 = vsa_weighting(z_x, z_a, "sqrt")
    torch.testing.assert_close(R8[i], torch.softmax(torch.outer(z_x[i], z_a[i]) / np.sqrt(6), dim=0))
    with pytest.raises(ValueError, match="vsa_scaling"):
        vsa_weighting(z_x, z_a, "cube")


def test_vsa_reweights_latents_by_the_matrix():
    torch.manual_seed(1)
    vsa = VisionSemanticAlignment(latent=4, n_classes=3, scaling="none")
    z_x, z_a = torch.randn(2, 4), torch.randn(2, 4)
    R = vsa_weighting(z_x, z_a, "none")
    logp_x, logp_a = vsa(z_x, z_a)
    torch.testing.assert_close(logp_x, F.log_softmax(vsa.head_x(torch.einsum("nij,nj->ni", R, z_x)), 1))
    torch.testing.assert_close(logp_a, F.log_softmax(vsa.head_a(torch.einsum("nij,nj->ni", R, z_a)), 1))


def test_sqrt_scaling_flattens_what_the_vsa_heads_see():
    """Why ``vsa_scaling="none"`` (the code) is the default: with latents of unit scale, R / √d
    makes every column of R̃ nearly uniform, so ẑ_x = R̃ z_x is nearly a constant vector and the
    heads get (and pass back) almost nothing: the flat VSA loss of issue 13."""
    torch.manual_seed(0)
    z_x, z_a = torch.randn(500, 64), torch.randn(500, 64)

    def spread(scaling):  # spread of ẑ_x over its dimensions, relative to z_x's own
        zx_hat = torch.einsum("nij,nj->ni", vsa_weighting(z_x, z_a, scaling), z_x)
        return (zx_hat.std(1) / z_x.std(1)).median().item()

    assert spread("none") > 0.08 and spread("sqrt") < 0.02 and spread("none") > 8 * spread("sqrt")
    assert vsa_weighting(z_x, z_a, "sqrt").max(1).values.mean() < 1.5 / 64  # columns ≈ uniform


# -- the IEM -----------------------------------------------------------------------------------
def test_iem_gate_in_unit_interval_and_applied_to_both_moments():
    torch.manual_seed(0)
    iem = InformationEnhancement(latent=8, hidden=99)
    mu, logvar = torch.randn(16, 8) * 5, torch.randn(16, 8) * 5
    g_mu, g_lv, W = iem(mu, logvar)
    assert W.shape == (16, 8) and torch.all((W > 0) & (W < 1))
    torch.testing.assert_close(g_mu, W * mu)
    torch.testing.assert_close(g_lv, W * logvar)
    assert [m.out_features for m in iem.gate if isinstance(m, torch.nn.Linear)] == [99, 8]


def test_iem_fresh_permutation_in_training_fixed_at_evaluation():
    torch.manual_seed(0)
    iem = InformationEnhancement(latent=8)
    mu, logvar = torch.randn(4, 8), torch.randn(4, 8)
    iem.train()
    assert not torch.allclose(iem(mu, logvar)[2], iem(mu, logvar)[2])  # a new shuffle each step
    iem.eval()
    W1, W2 = iem(mu, logvar)[2], iem(mu, logvar)[2]
    torch.testing.assert_close(W1, W2)
    torch.testing.assert_close(W1, iem.gate(torch.cat([mu, logvar], 1)))  # identity at evaluation
    stored = InformationEnhancement(latent=8, eval_permutation="stored")
    perm = stored.eval_permutation
    assert sorted(perm.tolist()) == list(range(16)) and perm.tolist() != list(range(16))
    assert "eval_permutation" in stored.state_dict()  # saved with the model
    stored.eval()
    torch.testing.assert_close(stored(mu, logvar)[2], stored.gate(torch.cat([mu, logvar], 1)[:, perm]))
    resample = InformationEnhancement(latent=8, eval_permutation="resample").eval()
    assert not torch.allclose(resample(mu, logvar)[2], resample(mu, logvar)[2])  # the code's behaviour
    with pytest.raises(ValueError, match="iem_eval_permutation"):
        InformationEnhancement(latent=8, eval_permutation="sometimes")


# -- warm-up, optimiser, architecture ----------------------------------------------------------
def test_warmup_table_values_awa2_preset():
    model = zslkit.create("acmr", preset="AWA2")
    w = model.weights
    assert w(0) == {"alpha": 0.0, "beta": 0.0, "lambda_": 0.0}
    np.testing.assert_allclose(w(10)["alpha"], 3.554 * 10 / 93)
    assert w(93)["alpha"] == w(99)["alpha"] == pytest.approx(3.554)
    assert w(6)["beta"] == 0.0 and w(14)["beta"] == pytest.approx(12.0 * 8 / 16) and w(22)["beta"] == 12.0
    assert w(19)["lambda_"] == pytest.approx(100.5) and w(5)["lambda_"] == pytest.approx(100.5 * 5 / 19)
    cub = zslkit.create("acmr", preset="CUB").weights
    assert cub(7)["beta"] == 0.0 and cub(21)["lambda_"] == pytest.approx(310.5)


def test_paper_architecture_and_learning_rates():
    model = zslkit.create("acmr")  # the paper's defaults
    problem = _problem(d=32, k=85)
    model.modules_, model.optimizers_ = torch.nn.ModuleDict(), {}
    model.setup(problem)  # works without X/y (the rebuild path)
    m = model.modules_
    assert (m["encoder_x"].hidden.out_features, m["decoder_x"].net[0].out_features) == (1560, 1680)
    assert (m["encoder_a"].hidden.out_features, m["decoder_a"].net[0].out_features) == (1450, 665)
    assert m["encoder_x"].mu.out_features == m["classifier"].in_features == 64
    assert m["classifier"].out_features == problem.n_classes
    opt = model.optimizers_["acmr"]
    assert [g["lr"] for g in opt.param_groups] == [1.5e-4, 3.3e-5, 7.4e-3]
    assert all(g["amsgrad"] for g in opt.param_groups)
    covered = {id(p) for g in opt.param_groups for p in g["params"]}
    assert {id(p) for p in m["classifier"].parameters()}.isdisjoint(covered)  # trained only in finish
    assert {id(p) for k in m if k != "classifier" for p in m[k].parameters()} <= covered


# -- defaults: the official code's training step --------------------------------------------------
def test_defaults_are_the_reference_codes_vsa_and_sampling():
    from zslkit.methods.acmr import ACMRConfig

    cfg = ACMRConfig()
    assert (cfg.vsa_scaling, cfg.reparameterization) == ("none", "reference-code")
    for name in ("AWA1", "AWA2", "CUB", "SUN", "APY"):  # "the official code's settings"
        c = zslkit.create("acmr", preset=name).config
        assert (c.vsa_scaling, c.reparameterization) == ("none", "reference-code"), name
    assert VisionSemanticAlignment(latent=4, n_classes=3).scaling == "none"


def _small_default(**kw):
    """An ACMR with the default recipe (no preset) and narrow layers, set up without training."""
    return _built(preset=None, hidden_x_enc=16, hidden_x_dec=16, hidden_a_enc=8, hidden_a_dec=8, latent_size=6,
                  iem_hidden=5, **kw)


def test_default_step_is_the_official_codes_loss_recipe():
    """One default train_step against the official code's recipe, written out here from its
    formulas: z = μ + exp(log σ²)·ε with one ε per sample, L1 / KL / per-sample W2 summed over the
    batch, unscaled R softmaxed over its first axis, mean NLL per head (same random draws)."""
    import copy

    model, problem = _small_default()
    x, y = problem.X[:20], problem.y[:20]
    epoch = 7
    w = model.weights(epoch)
    m = copy.deepcopy(model.modules_)  # the weights the step sees, before its update
    torch.manual_seed(3)
    t = model.train_step(x, y, epoch)
    torch.manual_seed(3)  # the step's draws, in its order: IEM x, IEM a, noise x, noise a
    perm_x, perm_a = torch.randperm(12), torch.randperm(12)
    eps_x, eps_a = torch.randn(20, 1), torch.randn(20, 1)
    with torch.no_grad():
        def gated(modality, inputs, perm):
            mu, lv = m[f"encoder_{modality}"](inputs)
            W = m[f"iem_{modality}"].gate(torch.cat([mu, lv], 1)[:, perm])
            return W * mu, W * lv
        a = problem.class_embeddings[y]
        (mu_x, lv_x), (mu_a, lv_a) = gated("x", x, perm_x), gated("a", a, perm_a)
        z_x, z_a = mu_x + lv_x.exp() * eps_x, mu_a + lv_a.exp() * eps_a
        rec = (m["decoder_x"](z_x) - x).abs().sum() + (m["decoder_a"](z_a) - a).abs().sum()
        kl = sum(-0.5 * (1 + lv - mu.pow(2) - lv.exp()).sum() for mu, lv in ((mu_x, lv_x), (mu_a, lv_a)))
        dist = ((mu_x - mu_a).pow(2).sum(1) + ((0.5 * lv_x).exp() - (0.5 * lv_a).exp()).pow(2).sum(1)).sqrt().sum()
        R = torch.softmax(torch.bmm(z_x[:, :, None], z_a[:, None, :]), dim=1)
        vsa = sum(F.nll_loss(F.log_softmax(head(torch.bmm(R, z[:, :, None])[:, :, 0]), 1), y)
                  for head, z in ((m["vsa"].head_x, z_x), (m["vsa"].head_a, z_a)))
    for name, ref in (("reconstruction", rec), ("kl", kl), ("alignment", dist), ("vsa", vsa)):
        torch.testing.assert_close(t[name], ref, msg=name)
    torch.testing.assert_close(t["loss"], rec + w["alpha"] * kl + w["beta"] * dist + w["lambda_"] * vsa)


def test_final_classifier_latents_use_the_codes_sampling_by_default():
    """The unseen-class latents of the final classifier are μ + exp(log σ²)·ε, one ε per latent."""
    model, problem = _small_default(latents_per_seen_class=3, latents_per_unseen_class=4)
    model.modules_.eval()
    with torch.no_grad():
        Z, labels = model._classifier_training_set(problem)
        unseen = problem.unseen.repeat_interleave(4)
        mu, lv = model.encode("a", problem.class_embeddings[unseen])
    assert labels[-8:].tolist() == unseen.tolist()
    eps = (Z[-8:] - mu) / lv.exp()
    torch.testing.assert_close(eps, eps[:, :1].expand_as(eps))  # the same noise in every dimension
    assert eps[:, 0].std() > 0.1
    paper, _ = _small_default(reparameterization="paper", latents_per_seen_class=3, latents_per_unseen_class=4)
    paper.load_state_dict(model.state_dict())
    paper.modules_.eval()
    with torch.no_grad():
        Zp, _ = paper._classifier_training_set(problem)
    eps_p = (Zp[-8:] - mu) / (0.5 * lv).exp()
    assert (eps_p.std(1) > 0.1).all()  # per-dimension noise in the paper's variant


# -- one step and a whole fit ------------------------------------------------------------------
def test_train_step_total_is_eq9_and_vsa_reaches_encoders():
    model, problem = _built(vsa_scaling="none", reparameterization="reference-code")
    x, y = problem.X[:20], problem.y[:20]
    epoch = 2
    w = model.weights(epoch)
    before = model.modules_["encoder_x"].hidden.weight.detach().clone()
    t = model.train_step(x, y, epoch)
    assert set(t) == {"reconstruction", "kl", "alignment", "vsa", "loss"}
    assert all(v.requires_grad is False and v.ndim == 0 for v in t.values())
    total = t["reconstruction"] + w["alpha"] * t["kl"] + w["beta"] * t["alignment"] + w["lambda_"] * t["vsa"]
    torch.testing.assert_close(t["loss"], total)
    assert not torch.equal(before, model.modules_["encoder_x"].hidden.weight)
    # the VSA term alone sends gradient into both encoders and both IEMs
    model.optimizers_["acmr"].zero_grad()
    mu_x, lv_x = model.encode("x", x)
    mu_a, lv_a = model.encode("a", model.class_embeddings_[y])
    logp_x, logp_a = model.modules_["vsa"](reparameterize(mu_x, lv_x), reparameterize(mu_a, lv_a))
    (F.nll_loss(logp_x, y) + F.nll_loss(logp_a, y)).backward()
    for name in ("encoder_x", "encoder_a", "iem_x", "iem_a"):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.modules_[name].parameters()), name


@pytest.mark.parametrize("use_iem,use_vsa", [(False, False), (True, False), (False, True)])
def test_ablations_build_and_report_their_terms(use_iem, use_vsa, tiny):
    model = zslkit.create("acmr", preset="quick", use_iem=use_iem, use_vsa=use_vsa)
    history = model.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    assert ("vsa" in history) == use_vsa and ("iem_x" in model.modules_) == use_iem
    assert {"reconstruction", "kl", "alignment", "loss"} <= set(history.terms)


def test_fit_views_and_stored_permutation_round_trip(tiny, tmp_path):
    model = zslkit.create("acmr", preset="quick", iem_eval_permutation="stored")
    history = model.fit(tiny, epochs=3, seed=0, device="cpu", progress=False)
    assert set(history.terms) == {"reconstruction", "kl", "alignment", "vsa", "loss"}
    assert all(len(v) == 3 and np.all(np.isfinite(v)) for v in history.losses.values())
    z = model.embed(tiny.X("test_unseen"))
    assert z.shape == (tiny.splits["test_unseen"].size, model.config.latent_size)
    # scores are the final classifier's log-probabilities on the gated μ
    s = model.scores(tiny.X("test_unseen"))
    with torch.no_grad():
        ref = F.log_softmax(model.modules_["classifier"](torch.as_tensor(z)), 1).numpy()
    np.testing.assert_allclose(s, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.exp(s).sum(1), 1.0, rtol=1e-5)
    assert model.embed_classes([0, 3]).shape == (2, model.config.latent_size)
    samples, labels = model.synthesize(tiny.unseen_classes, 5)
    assert samples.shape == (tiny.unseen_classes.size * 5, model.config.latent_size)
    assert labels.tolist() == np.repeat(tiny.unseen_classes, 5).tolist()
    with pytest.raises(ValueError, match="class indices"):
        model.embed_classes([tiny.n_classes])
    path = tmp_path / "acmr.pt"
    model.save(path)
    again = zslkit.load_model(path)
    torch.testing.assert_close(again.modules_["iem_x"].eval_permutation, model.modules_["iem_x"].eval_permutation)
    np.testing.assert_array_equal(again.embed(tiny.features), model.embed(tiny.features))


def test_presets_are_valid_configs():
    for name in ACMR.presets:
        zslkit.create("acmr", preset=name)
    for required in ("quick", "digits", "synthetic", "awa2-synthetic", "AWA1", "AWA2", "CUB", "SUN", "APY"):
        assert required in ACMR.presets
    assert set(ACMR.loss_weights()) == {"alpha", "beta", "lambda_"}
