"""The hyperparameter panel and the plain functions behind it, exercised without a browser."""
from dataclasses import dataclass

import ipywidgets as w
import numpy as np
import pytest

import zslkit
from zslkit import widgets


@dataclass
class _FakeConfig:
    alpha: float = 10.0
    beta: float = 0.0
    lambda_gp: float = 10.0
    hidden: int = 64          # not a loss weight: no slider
    epochs: int = 3
    batch_size: int = 8


class _Fake(zslkit.methods.Method):   # not registered: the registry stays as it is
    key = "fake"
    Config = _FakeConfig
    presets = {"quick": {"alpha": 0.5, "epochs": 1}}


def test_weight_sliders_from_loss_weights_and_preset():
    sliders = widgets.weight_sliders(_Fake)
    assert list(sliders) == ["alpha", "beta", "lambda_gp"]
    a, b = sliders["alpha"], sliders["beta"]
    assert isinstance(a, w.FloatLogSlider) and a.value == pytest.approx(10.0) and (a.min, a.max) == (-1.0, 3.0)
    assert a.description == "α" and not a.continuous_update
    assert isinstance(b, w.FloatSlider) and b.value == 0.0          # zero default: linear slider
    assert widgets.weight_sliders(_Fake, preset="quick")["alpha"].value == pytest.approx(0.5)
    assert widgets.slider_values(sliders) == {"alpha": 10.0, "beta": 0.0, "lambda_gp": 10.0}


@pytest.mark.parametrize("key", zslkit.available_methods())
def test_every_registered_method_gets_its_sliders(key):
    sliders = widgets.weight_sliders(key, preset="quick")
    assert set(sliders) == set(zslkit.method_class(key).loss_weights())
    for s in sliders.values():
        assert s.min <= np.log10(s.value) <= s.max if isinstance(s, w.FloatLogSlider) else s.min <= s.value <= s.max


def test_eszsl_none_weights_get_a_log_slider_at_one():
    sliders = widgets.weight_sliders("eszsl")
    assert set(sliders) == {"gamma", "lambda_"} and sliders["gamma"].value == pytest.approx(1.0)


def test_retrain_on_validation_matches_a_manual_fit(digits):
    result = widgets.retrain("eszsl", {"gamma": 10.0, "lambda_": 1.0}, digits, split="validation")
    view = digits.validation_view()
    manual = zslkit.create("eszsl", gamma=10.0, lambda_=1.0)
    manual.fit(view, progress=False)
    assert result.as_dict() == zslkit.evaluate(manual, view).as_dict()
    assert result.model.gamma_ == 10.0 and result.seconds >= 0
    test = widgets.retrain("eszsl", {"gamma": 10.0, "lambda_": 1.0}, digits, split="test")
    assert test.scores_unseen.shape[0] == digits.splits["test_unseen"].size
    with pytest.raises(ValueError, match="split"):
        widgets.retrain("eszsl", {}, digits, split="train")


def test_sweep_shape_and_unknown_weight(tiny):
    out = widgets.sweep("eszsl", "gamma", [0.1, 10.0], tiny, weights={"lambda_": 1.0}, seeds=(0, 1))
    assert len(out) == 2 and all(len(runs) == 2 for runs in out)
    assert out[0][0].model.gamma_ == 0.1 and out[1][0].model.gamma_ == 10.0
    with pytest.raises(ValueError, match="not a loss weight"):
        widgets.sweep("eszsl", "hidden", [1], tiny)


def test_result_html_names_split_and_numbers(tiny):
    r = widgets.retrain("eszsl", {}, tiny, split="test")
    html = widgets.result_html(r, "run 1", "test")
    assert "test" in html and f"H <b>{100 * r.H:.1f}</b>" in html and "run 1" in html


def test_panel_run_button_and_method_switch(digits):
    keys = zslkit.available_methods()
    panel = widgets.HyperparameterPanel(digits, methods=keys, method="eszsl")
    assert panel.method.value == "eszsl" and set(panel.sliders) == {"gamma", "lambda_"}
    panel.sliders["gamma"].value = 10.0
    panel.run_button.click()                      # what a user's click does
    assert len(panel.runs) == 1 and "H <b>" in panel.summary.value
    label, first = panel.runs[0]
    assert "γ=10" in label and first.model.gamma_ == 10.0
    panel.sliders["gamma"].value = 0.01
    panel.run()
    assert len(panel.runs) == 2 and len(panel.figure.data) == 4   # two curves, two operating points
    if len(keys) > 1:
        other = keys[1]
        panel.method.value = other
        assert set(panel.sliders) == set(zslkit.method_class(other).loss_weights())
        assert list(panel.sliders_box.children) == list(panel.sliders.values())


def test_validation_runs_match_the_refits_updates(tiny, fit_budgets):
    widgets.retrain("cada-vae", {}, tiny, epochs=1, split="validation")
    widgets.retrain("cada-vae", {}, tiny, epochs=1, split="validation", match_updates=False)
    r = widgets.retrain("cada-vae", {}, tiny, epochs=1, split="test")
    assert fit_budgets == [len(tiny.y("trainval")), None, None]
    assert r.split == "test"


def test_panel_never_mixes_splits_in_one_figure(digits):
    panel = widgets.HyperparameterPanel(digits, methods=["eszsl"], method="eszsl")
    for gamma in (10.0, 0.01):
        panel.sliders["gamma"].value = gamma
        panel.run()
    names = lambda fig: {t.legendgroup for t in fig.data}                       # noqa: E731
    assert names(panel.figure) == {"1: eszsl (γ=10, λ=1)", "2: eszsl (γ=0.01, λ=1)"}
    assert "validation" in panel.figure.layout.title.text
    panel.split.value = "test"                    # what the toggle does: the validation curves go
    assert panel.figure is None and "test" in panel.summary.value and "Run" in panel.summary.value
    panel.run()
    assert [r.split for _, r in panel.runs] == ["validation", "validation", "test"]
    assert names(panel.figure) == {"3: eszsl (γ=0.01, λ=1)"} and "test split" in panel.figure.layout.title.text
    assert "test" in panel.figure.layout.legend.title.text and "test:" in panel.summary.value
    panel.split.value = "validation"              # back: only the validation runs, the last one summarised
    assert names(panel.figure) == {"1: eszsl (γ=10, λ=1)", "2: eszsl (γ=0.01, λ=1)"}
    assert "validation:" in panel.summary.value and "2: eszsl" in panel.summary.value
    assert [label for label, _ in panel.runs_of("test")] == ["3: eszsl (γ=0.01, λ=1)"]
