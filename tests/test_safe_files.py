"""Model and checkpoint files cannot run code (issue 15).

A ``.pt`` file read through pickle can run anything it names. zslkit writes only plain data
(tensors, numbers, strings, lists, dicts) and reads with ``torch.load(weights_only=True)``, so a
crafted file handed to `zslkit.load_model`, to ``fit(resume=...)`` or to ``zslkit evaluate``
leaves no trace and gets one clear `ModelFileError` naming the file.
"""
import contextlib
import os
import pickle
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

import zslkit
from zslkit.cli import main
from zslkit.train import FILE_FORMAT, ModelFileError, read_zslkit_file, rng_state, set_rng_state, to_plain

METHODS = zslkit.available_methods()


class Payload:
    """Unpickling this calls ``open(marker, "w")``: it creates the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


class ShellPayload(Payload):
    """Unpickling this runs a shell command that creates the marker file."""

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


def write_torch_payload(path, marker):
    torch.save({"key": "eszsl", "x": Payload(marker)}, path)


def write_pickle_payload(path, marker):
    with open(path, "wb") as f:
        pickle.dump({"state": ShellPayload(marker)}, f)


PAYLOADS = [write_torch_payload, write_pickle_payload]


@pytest.fixture(scope="module")
def fitted(tiny, tmp_path_factory):
    """A fitted quick CADA-VAE, its saved model and a checkpoint of it."""
    folder = tmp_path_factory.mktemp("fitted")
    model = zslkit.create("cada-vae", preset="quick")
    model.fit(tiny, epochs=1, seed=0, device="cpu", progress=False, checkpoint=folder / "ck.pt")
    model.save(folder / "model.pt")
    return model, folder / "model.pt", folder / "ck.pt"


def assert_clear(exc_info, path, *words):
    """One message naming the file, no chained pickle traceback."""
    message = str(exc_info.value)
    assert str(path) in message, message
    assert all(w in message for w in words), message
    exc = exc_info.value
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


@pytest.mark.parametrize("write", PAYLOADS)
def test_the_payloads_do_run_when_unpickled(write, tmp_path):
    """The test files are real attacks: plain unpickling creates the marker."""
    marker = tmp_path / "pwned"
    write(tmp_path / "evil.pt", marker)
    with contextlib.suppress(RuntimeError):  # the plain pickle runs, then torch finds no magic number
        torch.load(tmp_path / "evil.pt", weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("write", PAYLOADS)
def test_load_model_refuses_a_crafted_pickle_and_runs_nothing(write, tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    write(path, marker)
    with pytest.raises(ModelFileError) as exc:
        zslkit.load_model(path)
    assert_clear(exc, path, "not a zslkit model file", "nothing in the file was run")
    assert not marker.exists()


@pytest.mark.parametrize("write", PAYLOADS)
def test_resume_refuses_a_crafted_pickle_and_runs_nothing(write, tiny, tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    write(path, marker)
    with pytest.raises(ModelFileError) as exc:
        zslkit.create("cada-vae", preset="quick").fit(tiny, epochs=1, device="cpu", progress=False, resume=path)
    assert_clear(exc, path, "not a zslkit checkpoint file")
    assert not marker.exists()


@pytest.mark.parametrize("write", PAYLOADS)
def test_cli_evaluate_refuses_a_crafted_pickle_with_exit_2(write, tmp_path, capsys):
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    write(path, marker)
    assert main(["evaluate", str(path), "--dataset", "digits"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zslkit: error: ") and str(path) in err and "not a zslkit model file" in err
    assert not marker.exists()


def test_cli_evaluate_in_a_fresh_process_prints_one_line(tmp_path):
    marker, path = tmp_path / "pwned", tmp_path / "evil.pt"
    write_pickle_payload(path, marker)
    r = subprocess.run([sys.executable, "-m", "zslkit.cli", "evaluate", str(path), "--dataset", "digits"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not marker.exists()


def _bad_files(folder, fitted):
    """name -> (path, words the error must contain)."""
    _, model_path, _ = fitted
    good = model_path.read_bytes()
    files = {"empty": b"", "truncated": good[:len(good) // 2], "random bytes": os.urandom(4096),
             "json": b'{"rows": []}'}
    out = {}
    for name, content in files.items():
        (folder / name).write_bytes(content)
        out[name] = (folder / name, ["not a zslkit model file", "incompatible version"])
    torch.save({"weight": torch.zeros(3)}, folder / "plain")
    out["plain tensors"] = (folder / "plain", ["not a zslkit model file", "no 'zslkit_format'"])
    torch.save([torch.zeros(3)], folder / "list")
    out["a list"] = (folder / "list", ["not a zslkit model file", "no 'zslkit_format'"])
    blob = torch.load(model_path, weights_only=True)
    for fmt, advice in [(FILE_FORMAT + 1, "upgrade zslkit"), (1, "retrain")]:
        torch.save({**blob, "zslkit_format": fmt}, folder / f"format{fmt}")
        out[f"format {fmt}"] = (folder / f"format{fmt}", [f"file format {fmt}", f"reads format {FILE_FORMAT}", advice])
    torch.save({**blob, "key": "no-such-method"}, folder / "unknown")
    out["unknown method"] = (folder / "unknown", ["does not fit", "no-such-method"])
    torch.save({k: v for k, v in blob.items() if k != "state"}, folder / "incomplete")
    out["incomplete"] = (folder / "incomplete", ["does not fit", "'state'"])
    out["a checkpoint"] = (fitted[2], ["is a zslkit checkpoint file, not a model file", "resume="])
    return out


BAD = ["empty", "truncated", "random bytes", "json", "plain tensors", "a list", f"format {FILE_FORMAT + 1}",
       "format 1", "unknown method", "incomplete", "a checkpoint"]


@pytest.mark.parametrize("name", BAD)
def test_load_model_gives_bad_files_a_clear_error(name, fitted, tmp_path):
    path, words = _bad_files(tmp_path, fitted)[name]
    with pytest.raises(ModelFileError) as exc:
        zslkit.load_model(path)
    assert_clear(exc, path, *words)


@pytest.mark.parametrize("name", ["truncated", "plain tensors", f"format {FILE_FORMAT + 1}", "a checkpoint"])
def test_cli_evaluate_gives_bad_files_exit_2(name, fitted, tmp_path, capsys):
    path, words = _bad_files(tmp_path, fitted)[name]
    assert main(["evaluate", str(path), "--dataset", "digits"]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words) and "Traceback" not in err


def test_resume_gives_bad_checkpoints_a_clear_error(fitted, tiny, tmp_path):
    _, model_path, ck_path = fitted
    fit = dict(epochs=2, seed=0, device="cpu", progress=False)
    with pytest.raises(ModelFileError) as exc:  # a saved model is not a checkpoint
        zslkit.create("cada-vae", preset="quick").fit(tiny, resume=model_path, **fit)
    assert_clear(exc, model_path, "is a zslkit model file, not a checkpoint file", "load_model")
    with pytest.raises(ModelFileError) as exc:  # another method's checkpoint
        zslkit.create("mianet", preset="quick").fit(tiny, resume=ck_path, **fit)
    assert_clear(exc, ck_path, "checkpoint of 'cada-vae', not of 'mianet'")
    with pytest.raises(ModelFileError) as exc:  # same method, other networks
        zslkit.create("cada-vae", preset="quick", latent_size=3).fit(tiny, resume=ck_path, **fit)
    assert_clear(exc, ck_path, "does not fit this cada-vae model")
    (tmp_path / "short.pt").write_bytes(ck_path.read_bytes()[:100])
    with pytest.raises(ModelFileError) as exc:
        zslkit.create("cada-vae", preset="quick").fit(tiny, resume=tmp_path / "short.pt", **fit)
    assert_clear(exc, tmp_path / "short.pt", "not a zslkit checkpoint file")


def test_a_missing_file_is_still_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.pt"):
        zslkit.load_model(tmp_path / "nowhere.pt")


@pytest.mark.parametrize("key", METHODS)
def test_every_file_zslkit_writes_loads_as_weights_only(key, tiny, tmp_path):
    """Models and checkpoints of every method: only tensors and plain data, with format and kind."""
    cls = zslkit.method_class(key)
    model = zslkit.create(key, preset="quick" if "quick" in cls.presets else None)
    kw = {} if key == "eszsl" else {"checkpoint": tmp_path / "ck.pt"}
    model.fit(tiny, epochs=1, seed=0, device="cpu", progress=False, **kw)
    model.save(tmp_path / "model.pt")
    for path, kind in [(tmp_path / "model.pt", "model"), (tmp_path / "ck.pt", "checkpoint")]:
        if path.exists():
            blob = torch.load(path, weights_only=True)
            assert blob["zslkit_format"] == FILE_FORMAT and blob["kind"] == kind
            assert read_zslkit_file(path, kind)["kind"] == kind


def test_rng_state_survives_a_weights_only_file(tmp_path):
    """python's, numpy's and torch's generators continue exactly after a round trip through a file."""
    zslkit.train.seed_everything(11)
    np.random.normal()  # numpy's cached Gaussian is part of its state
    torch.save(rng_state(), tmp_path / "rng.pt")
    expected = (random.random(), np.random.normal(), np.random.randint(1 << 30), torch.rand(3))
    random.seed(0), np.random.seed(0), torch.manual_seed(0)
    set_rng_state(torch.load(tmp_path / "rng.pt", weights_only=True))
    again = (random.random(), np.random.normal(), np.random.randint(1 << 30), torch.rand(3))
    assert expected[:3] == again[:3] and torch.equal(expected[3], again[3])


def test_to_plain_keeps_dtypes_and_refuses_objects():
    plain = to_plain({"a": np.arange(3, dtype=np.float64), "b": np.float32(0.5), "c": (1, [np.int64(2)])})
    assert plain["a"].dtype == torch.float64 and plain["a"].numpy().tolist() == [0.0, 1.0, 2.0]
    assert plain["b"] == 0.5 and type(plain["b"]) is float and plain["c"] == (1, [2])
    with pytest.raises(TypeError, match=r"Payload \(at the file\['extra'\]\[0\]\)"):
        to_plain({"extra": [Payload("x")]})
