"""Every wrong setting is answered in one sentence before any work, and loses nothing.

Each case calls the command line's main(argv) in this process, then checks the exit
code (2: argparse refused an option; 1: one "Error: ..." line), the message, that
no traceback was printed, and that no file under the test folder was added,
changed or removed.
"""
import hashlib
import json
import zipfile

import numpy as np
import pytest

from utils import train
from utils.gan import checkpoints

QUICK = ["--num-images", "64", "--epochs", "1"]  # the profile comes from GANBOOK_PROFILE


def snapshot(folder):
    """Every file under folder with a hash of its content."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A real checkpoint of a 1-epoch quick run on 64 embedded faces."""
    folder = tmp_path_factory.mktemp("finished")
    cache = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("GANBOOK_CACHE", str(cache))
    mp.setenv("GANBOOK_PROFILE", "quick")
    try:
        assert train.main([*QUICK, "--out", str(folder / "run")]) == 0
    finally:
        mp.undo()
    return folder / "run"


def _rewrite(checkpoint, change_meta=None, extra=None):
    """Write checkpoint again with its meta changed and extra entries added."""
    with np.load(checkpoint) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(arrays["meta"].tobytes())
    if change_meta:
        change_meta(meta)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    arrays.update(extra or {})
    np.savez(checkpoint, **arrays)


def _copy_run(finished, dest, change_meta=None, extra=None):
    dest.mkdir()
    (dest / checkpoints.CHECKPOINT).write_bytes((finished / checkpoints.CHECKPOINT).read_bytes())
    if change_meta or extra:
        _rewrite(dest / checkpoints.CHECKPOINT, change_meta, extra)
    return dest


def _format_1(meta):
    meta["format"] = 1
    del meta["optimizers"]


def _other_data(meta):
    meta["data"]["sha256"] = "0123456789abcdef"


def _setup(kind, base, finished):
    """Make what a case needs under base; return the values its argv uses."""
    (base / "afile").write_text("not a folder")
    (base / "empty").mkdir()
    out = base / "out"
    if kind == "run":
        _copy_run(finished, out)
    elif kind == "old":
        _copy_run(finished, out, _format_1, {"trainer_g": np.zeros(4, np.uint8)})
    elif kind == "other_data":
        _copy_run(finished, out, _other_data)
    elif kind == "corrupt":
        out.mkdir()
        (out / checkpoints.CHECKPOINT).write_bytes(b"PK\x03\x04 cut short")
    return {"out": str(out), "file": str(base / "afile"), "empty": str(base / "empty")}


# (argv after QUICK, environment, what to set up, exit code, message)
CASES = [
    (["--epochs", "0"], {}, None, 2, "argument --epochs: 0 is too small: use 1 or more"),
    (["--epochs", "-3"], {}, None, 2, "argument --epochs: -3 is too small"),
    (["--epochs", "two"], {}, None, 2, "argument --epochs: 'two' is not a whole number"),
    (["--batch-size", "0"], {}, None, 2, "argument --batch-size: 0 is too small"),
    (["--num-images", "0"], {}, None, 2, "argument --num-images: 0 is too small"),
    (["--ngf", "0"], {}, None, 2, "argument --ngf: 0 is too small"),
    (["--ndf", "-1"], {}, None, 2, "argument --ndf: -1 is too small"),
    (["--nz", "0"], {}, None, 2, "argument --nz: 0 is too small"),
    (["--lr", "0"], {}, None, 2, "argument --lr: 0 must be a positive, finite number"),
    (["--lr", "nan"], {}, None, 2, "argument --lr: nan must be a positive, finite number"),
    (["--lr", "inf"], {}, None, 2, "argument --lr: inf must be a positive, finite number"),
    (["--lr", "-0.1"], {}, None, 2, "argument --lr: -0.1 must be a positive"),
    (["--lr-d", "0"], {}, None, 2, "argument --lr-d: 0 must be a positive, finite number"),
    (["--ema", "1"], {}, None, 2, "argument --ema: 1 is not a decay: use 0 (no average) up to"),
    (["--ema", "-0.5"], {}, None, 2, "argument --ema: -0.5 is not a decay"),
    (["--ema", "high"], {}, None, 2, "argument --ema: 'high' is not a number"),
    (["--grain", "-1"], {}, None, 2, "argument --grain: -1 is not a weight: use 0 (off) or a positive"),
    (["--grain", "nan"], {}, None, 2, "argument --grain: nan is not a weight"),
    (["--real-label", "0"], {}, None, 2, "argument --real-label: 0 is not a target for real images: use 1"),
    (["--real-label", "1.5"], {}, None, 2, "argument --real-label: 1.5 is not a target for real images"),
    (["--instance-noise", "-0.1"], {}, None, 2, "argument --instance-noise: -0.1 is not a standard deviation"),
    (["--resume", "--flip"], {}, "run", 1, "flip: checkpoint False, now True"),
    (["--seed", "-1"], {}, None, 2, "argument --seed: -1 is out of range: use 0 to 4294967295"),
    (["--seed", "4294967296"], {}, None, 2, "argument --seed: 4294967296 is out of range"),
    (["--seed", "1.5"], {}, None, 2, "argument --seed: '1.5' is not a whole number"),
    (["--devices", "tpu"], {}, None, 2, "argument --devices: 'tpu': use cpu, cpu:N, gpu or gpu:0,1"),
    (["--devices", "cpu:0"], {}, None, 2, "argument --devices: 'cpu:0': use cpu, cpu:N"),
    (["--devices", "gpu:0,0"], {}, None, 2, "argument --devices: 'gpu:0,0'"),
    (["--devices", "gpu:0"], {}, None, 1, "no GPU is visible to MXNet (the CPU build of MXNet sees "
                                          "none). Use --devices cpu to train on the CPU."),
    (["--devices", "gpu"], {}, None, 1, "--devices asks for gpu 0, but no GPU is visible"),
    (["--profile", "fast"], {}, None, 2, "argument --profile: invalid choice: 'fast'"),
    (["--data", "/no/such/folder"], {}, None, 1, "--data /no/such/folder: no such folder"),
    (["--data", "{file}"], {}, None, 1, "no such folder. Use 'embedded', 'lfw' or a folder"),
    (["--data", "{empty}"], {}, None, 1, "No image files under"),
    (["--out", "{file}"], {}, None, 1, "is a file, not a folder: choose a folder"),
    (["--out", "/proc/no-such-dir/out"], {}, None, 1, "cannot be written"),
    (["--num-images", "10"], {}, None, 1, "--num-images 10 is smaller than the batch size 32"),
    (["--batch-size", "1", "--devices", "cpu:2"], {}, None, 1,
     "--batch-size 1 cannot be split over 2 devices"),
    ([], {"GANBOOK_PROFILE": "fast"}, None, 1, "GANBOOK_PROFILE='fast' is not a profile. Use one of"),
    ([], {"GANBOOK_DATA": "/no/such/pictures"}, None, 1, "GANBOOK_DATA='/no/such/pictures' is not a folder"),
    ([], {"GANBOOK_CACHE": "{file}"}, None, 1, "The cache folder ($GANBOOK_CACHE or ~/.cache/gan-book)"),
    ([], {}, "run", 1, "checkpoint.npz exists. Add --resume to continue that run"),
    (["--resume"], {}, None, 1, "--resume: there is no checkpoint in"),
    (["--resume", "--lr", "0.001"], {}, "run", 1, "belongs to a run with other settings (lr_d: "
                                                  "checkpoint 0.0001, now 0.001; lr_g: checkpoint "
                                                  "0.0002, now 0.001)"),
    (["--resume", "--ngf", "16"], {}, "run", 1, "ngf: checkpoint 8, now 16"),
    (["--resume"], {}, "old", 1, "is an older checkpoint (format 1) whose optimiser states are "
                                 "pickled"),
    (["--resume"], {}, "corrupt", 1, "is not a readable checkpoint"),
    (["--resume"], {}, "other_data", 1, "was trained on other images (sha256: checkpoint "
                                        "0123456789abcdef, now "),
]


@pytest.mark.parametrize("argv, env, setup, code, message", CASES,
                         ids=[" ".join(c[0]) + (" " + " ".join(f"{k}={v}" for k, v in c[1].items()))
                              + (f" [{c[2]}]" if c[2] else "") for c in CASES])
def test_a_bad_input_gets_one_sentence_and_changes_nothing(
        argv, env, setup, code, message, finished, tmp_path, monkeypatch, capsys):
    values = _setup(setup, tmp_path, finished)
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GANBOOK_PROFILE", "quick")
    monkeypatch.delenv("GANBOOK_DATA", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(**values))
    argv = [*QUICK, "--out", values["out"], *(a.format(**values) for a in argv)]
    before = snapshot(tmp_path)
    try:
        got = train.main(argv)
    except SystemExit as stop:
        got = stop.code
    err = capsys.readouterr().err
    assert got == code, err
    assert message in err.replace("\n", " ").replace("  ", " ") or message in err, err
    assert "Traceback" not in err
    if code == 1:
        assert err.startswith("Error: ") and err.count("\n") == 1, err
    assert snapshot(tmp_path) == before, "nothing is written, changed or removed"


def test_there_are_at_least_25_cases():
    assert len(CASES) >= 25


def test_a_finished_run_resumes_into_more_epochs(finished, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))
    run = _copy_run(finished, tmp_path / "run")
    argv = ["--profile", "quick", "--num-images", "64", "--epochs", "2", "--out", str(run), "--resume"]
    assert train.main(argv) == 0
    assert "epoch 2" in capsys.readouterr().out
    _, meta = checkpoints.read(run / checkpoints.CHECKPOINT)
    assert meta["epoch"] == 2


@pytest.mark.parametrize("options, changed", [
    (["--real-label", "1", "--instance-noise", "0", "--no-flip"],  # the stabilisers off
     {"real_label": 1.0, "instance_noise": 0.0, "flip": False}),
    (["--nz", "100"], {"nz": 100}),  # the paper's codes
])
def test_chapter_2s_exercise_options_change_exactly_their_settings(options, changed, tmp_path, monkeypatch):
    """Chapter 2's exercises undo the default recipe one piece at a time with these options."""
    monkeypatch.setenv("GANBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GANBOOK_DATA", raising=False)
    parse = train.build_parser().parse_args
    default = train.settings_from(parse(["--profile", "default", "--out", str(tmp_path / "a")]))
    assert all(getattr(default, k) != v for k, v in changed.items())
    edited = train.settings_from(parse(["--profile", "default", "--out", str(tmp_path / "b"), *options]))
    assert {k: v for k, v in edited.settings().items() if v != default.settings()[k]} == changed
