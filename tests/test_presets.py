"""Presets are data: one table (zslkit/presets.toml), none in the method modules."""
import dataclasses
import re
from pathlib import Path

import pytest

import zslkit
from zslkit import presets
from zslkit.methods.base import available_methods, method_class

METHODS_DIR = Path(zslkit.__file__).parent / "methods"


@pytest.mark.parametrize("key", available_methods())
def test_every_preset_of_the_table_builds_its_method(key):
    table = presets.table()
    assert key in table, f"{key} has no presets in {presets.PRESETS_FILE.name}"
    defaults = {f.name: f.default for f in dataclasses.fields(method_class(key).Config)}
    for name, overrides in presets.presets_of(key).items():
        model = zslkit.create(key, preset=name)
        assert model.preset == name and presets.provenance(key, name).strip()
        for k, v in overrides.items():
            assert getattr(model.config, k) == v
            if isinstance(defaults[k], tuple):  # TOML arrays come back as the Config's tuples
                assert isinstance(getattr(model.config, k), tuple)


def test_method_modules_hold_no_preset_values():
    for path in METHODS_DIR.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s+presets\s*=\s*\{", source, re.M), f"{path.name} defines presets in code"


def test_a_preset_without_provenance_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "presets.toml"
    bad.write_text('[cada-vae."x"]\nepochs = 3\n')
    monkeypatch.setattr(presets, "PRESETS_FILE", bad)
    presets.table.cache_clear()
    try:
        with pytest.raises(ValueError, match="provenance"):
            presets.table()
    finally:
        presets.table.cache_clear()


def _with_table(monkeypatch, tmp_path, text):
    path = tmp_path / "presets.toml"
    path.write_text(text)
    monkeypatch.setattr(presets, "PRESETS_FILE", path)
    presets.table.cache_clear()


def test_a_bad_budget_images_is_refused(tmp_path, monkeypatch):
    _with_table(monkeypatch, tmp_path, '[sp-aen."x"]\nprovenance = "p"\nbudget_images = 0\n')
    try:
        with pytest.raises(ValueError, match=r"\[sp-aen.x\] budget_images must be a positive whole number"):
            presets.table()
    finally:
        presets.table.cache_clear()


def test_same_as_copies_another_preset_and_its_own_keys_win(tmp_path, monkeypatch):
    _with_table(monkeypatch, tmp_path,
                '[mianet."A"]\nprovenance = "chosen"\nbudget_images = 100\nepochs = 4\nhidden_dim = 16\n'
                '[mianet."B"]\nsame_as = "A"\nprovenance = "A\'s, wider"\nhidden_dim = 32\n')
    try:
        assert presets.presets_of("mianet")["B"] == {"epochs": 4, "hidden_dim": 32}
        assert presets.budget_of("mianet", "B") == 100
        assert presets.provenance("mianet", "B") == "A's, wider"
        assert zslkit.create("mianet", preset="B").config.hidden_dim == 32
    finally:
        presets.table.cache_clear()


@pytest.mark.parametrize("text, message", [
    ('[mianet."B"]\nsame_as = "nope"\nprovenance = "p"\n', r"\[mianet.B\] same_as = 'nope': mianet has no preset 'nope'"),
    ('[mianet."A"]\nprovenance = "p"\n[mianet."B"]\nsame_as = "A"\nprovenance = "p"\n'
     '[mianet."C"]\nsame_as = "B"\nprovenance = "p"\n', r"\[mianet.C\] .* itself a same_as entry"),
    ('[mianet."B"]\nsame_as = 3\nprovenance = "p"\n', r"\[mianet.B\] same_as = 3: same_as must be a preset name"),
])
def test_a_bad_same_as_is_refused(tmp_path, monkeypatch, text, message):
    _with_table(monkeypatch, tmp_path, text)
    try:
        with pytest.raises(ValueError, match=message):
            presets.table()
    finally:
        presets.table.cache_clear()


def test_a_preset_chosen_on_fewer_images_trains_for_their_updates(tmp_path, monkeypatch):
    """budget_images = n/2 on data of n trainval images, batches of n/4: 2 updates per epoch there,
    4 here, so the preset's 4 epochs run as 2 passes; the caller's budget or epochs win."""
    from zslkit.runs import describe_settings

    data = zslkit.datasets.load("synthetic")
    n = len(data.y("trainval"))
    _with_table(monkeypatch, tmp_path,
                f'[mianet."small"]\nprovenance = "p"\nbudget_images = {n // 2}\nepochs = 4\n'
                f'batch_size = {n // 4}\nhidden_dim = 16\n')
    try:
        assert presets.presets_of("mianet")["small"] == {"epochs": 4, "batch_size": n // 4, "hidden_dim": 16}
        assert presets.budget_of("mianet", "small") == n // 2
        history = zslkit.create("mianet", preset="small").fit(data, progress=False)
        assert history.epochs_completed == 2
        history = zslkit.create("mianet", preset="small").fit(data, progress=False, budget_images=n)
        assert history.epochs_completed == 4
        # epochs the caller gives are passes over the data, not the preset's updates
        assert zslkit.create("mianet", preset="small").fit(data, epochs=3, progress=False).epochs_completed == 3
        assert zslkit.create("mianet", preset="small", epochs=3).fit(data, progress=False).epochs_completed == 3
        assert f"updates its epochs make on {n // 2:,} images" in describe_settings("mianet", "small")
    finally:
        presets.table.cache_clear()


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="no preset 'nope'"):
        zslkit.create("cada-vae", preset="nope")


# -- the size rule (preset "auto") for data without a preset ---------------------------------------
def test_size_rule_anchors_are_the_bundled_datasets_shapes():
    for name, (d, n) in presets.ANCHORS.items():
        if name == "paper":
            continue
        data = zslkit.datasets.load(name)
        assert (data.features.shape[1], len(data.y("trainval"))) == (d, n), name


def test_size_rule_picks_the_nearest_validated_preset_and_scales_beta_with_the_dimension():
    rule = presets.size_rule("cada-vae", 256, 1000)  # nearest in (ln d, ln n): digits (64, 1011)
    assert rule["anchor"] == "digits" and rule["budget_images"] == 1011
    expected = {**presets.presets_of("cada-vae")["digits"]}
    expected["beta"] *= 256 / 64                                  # KL weight of a sum over d
    assert rule["hyperparameters"] == expected
    # at the benchmarks' shape: the paper itself, β rescaled only when d differs from 2048
    assert presets.size_rule("cada-vae", 2048, 20000) == {"anchor": "paper", "hyperparameters": {},
                                                          "budget_images": None}
    assert presets.size_rule("cada-vae", 1024, 20000)["hyperparameters"] == {"beta": 0.125}
    # a method without a preset for an anchor never lands on it
    for key in available_methods():
        anchor = presets.size_rule(key, 512, 4000)["anchor"]
        assert anchor == "paper" or anchor in presets.presets_of(key)
    with pytest.raises(ValueError, match="positive"):
        presets.size_rule("cada-vae", 0, 100)


def test_auto_preset_applies_the_rule_at_fit_and_keeps_what_the_caller_set():
    data = zslkit.datasets.load("synthetic")  # 128-d, 720 trainval images: nearest is digits
    model = zslkit.create("cada-vae", preset="auto", classifier_epochs=2, epochs=3)
    assert model.config.epochs == 3 and model.size_rule_ is None
    history = model.fit(data, progress=False)
    rule = model.size_rule_
    assert rule["anchor"] == "digits"
    assert model.config.classifier_epochs == 2 and model.config.epochs == 3      # the caller's
    assert model.config.lr == presets.presets_of("cada-vae")["digits"]["lr"]     # the anchor's
    assert model.config.beta == pytest.approx(presets.presets_of("cada-vae")["digits"]["beta"] * 2)
    # 3 epochs of digits' 1011 images in batches of 50 = 60 updates = 4 passes over 720 images (14 batches)
    assert history.epochs_completed == 4


def test_cli_uses_the_size_rule_on_data_without_a_preset_and_says_so(capsys):
    from zslkit.runs import describe_settings, preset_for

    assert preset_for("cada-vae", "my-own-data") == "auto"
    assert preset_for("eszsl", "my-own-data") is None
    assert preset_for("cada-vae", "critters") == "critters"
    line = describe_settings("acmr", "auto", zslkit.datasets.load("synthetic"))
    assert "size rule" in line and "'digits'" in line and "zslkit select acmr" in line
    assert "provenance" not in describe_settings("cada-vae", "critters")  # the provenance text itself
    assert presets.provenance("cada-vae", "critters") in describe_settings("cada-vae", "critters")
