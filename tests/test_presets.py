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


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match="no preset 'nope'"):
        zslkit.create("cada-vae", preset="nope")
