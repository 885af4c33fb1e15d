"""``clockreader batch`` on a local Ray (2 CPUs): rows equal ``read``'s, bad files are error rows, and a
re-run after a stop reads only what is missing. Skipped without the ``scale`` extra (Ray Data)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from clockreader import render_clock
from conftest import write_clock_video

N_IMAGES = 24
FPS = 2
COMPARED = ("status", "time", "hour", "minute", "confidence", "alternatives", "box", "unsure", "error")


@pytest.fixture(autouse=True)
def time_limit():
    """No test here may hang the suite (Ray waiting on CPUs the training run holds, say): 300 s each."""
    def stop(*_):
        raise TimeoutError("test_batch: over 300 s")
    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(300)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A folder ``arch/`` of rendered photos, one file that is not an image (named .jpg) and a 4 s video."""
    root = tmp_path_factory.mktemp("batch")
    arch = root / "arch"
    (arch / "sub").mkdir(parents=True)
    for i in range(N_IMAGES):
        render_clock(seed=i, size=256).image.save(arch / ("sub" if i % 3 == 0 else "") / f"clock{i:02d}.jpg")
    (arch / "broken.jpg").write_bytes(b"these bytes are not an image")
    write_clock_video(arch / "lapse.mp4", [(100 + 7 * k) % 720 for k in range(4 * FPS)], fps=FPS, size=128)
    return root


@pytest.fixture(scope="module")
def reader():
    from clockreader.runtime.reader import load_reader

    return load_reader()


def _rows(out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(out).to_pylist()


def _expected(reader, names: list[str]) -> dict:
    """(path, frame) -> the row `read --json` gives: ClockReader.read_rows for a photo, iter_video's frames."""
    from clockreader.video import is_video

    exp = {}
    for name in names:
        if is_video(name):
            for fr in reader.iter_video(Path(name), every=1.0):
                exp[(name, fr.frame)] = {**fr.to_dict(), "error": None}
        else:
            (row,) = reader.read_rows(Path(name))
            exp[(name, None)] = row
    return exp


def test_rows_equal_read_rows_and_a_bad_file_is_an_error_row(ray_local, archive, reader, monkeypatch):
    from clockreader.batch import list_inputs, run_batch

    monkeypatch.chdir(archive)   # relative names, as typed: the rows and their messages must name them so
    fig = run_batch(["arch"], "out", progress=False)
    names = list(list_inputs(["arch"]))
    assert len(names) == N_IMAGES + 2
    rows = _rows(Path("out"))
    got = {(r["path"], r["frame"]): r for r in rows}
    assert len(got) == len(rows)                          # every (path, frame) once
    exp = _expected(reader, names)
    assert set(got) == set(exp)
    for key, want in exp.items():
        assert {k: got[key][k] for k in COMPARED} == {k: want[k] for k in COMPARED}, key
    assert {r["model_sha256"] for r in rows} == {json.loads(Path("out/_batch.json").read_text())["model_sha256"]}
    bad = got[("arch/broken.jpg", None)]
    assert bad["status"] == "error" and bad["error"].startswith("arch/broken.jpg: not an image")
    frames = sorted(f for p, f in got if p == "arch/lapse.mp4")
    assert frames == [0, 2, 4, 6]                         # --every 1 s at 2 fps
    assert all(r["frame"] is None for r in rows if not r["path"].endswith(".mp4"))
    assert fig["rows"] == len(rows) and fig["failed"] == 1 and fig["inputs"] == len(names)


def test_read_json_gives_the_same_rows(ray_local, archive):
    """The CLI's own `read --json` on a few of the inputs, against the shards of the test above."""
    names = ["arch/clock01.jpg", "arch/sub/clock03.jpg", "arch/broken.jpg"]
    proc = subprocess.run([sys.executable, "-m", "clockreader", "read", "--json", *names], cwd=archive,
                          capture_output=True, text=True, timeout=240)
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert [d["path"] for d in lines] == names, proc.stderr
    got = {r["path"]: r for r in _rows(archive / "out")}
    for d in lines:
        assert {k: got[d["path"]][k] for k in COMPARED if k in d} == {k: d[k] for k in COMPARED if k in d}
        assert {"status", "time", "confidence", "box", "error"} <= set(d)


def test_rerun_after_a_stop_reads_only_what_is_missing(ray_local, archive, tmp_path, capsys):
    import pyarrow.parquet as pq

    from clockreader.batch import list_inputs, run_batch
    from clockreader.cli import main

    src = str(archive / "arch")
    out = tmp_path / "out"
    first = run_batch([src], out, batch_size=3, progress=False)
    shards = sorted(out.glob("part-*.parquet"))
    assert first["shards"] == len(shards) >= 8
    lost = shards[::2]                                    # a stop halfway: half the shards never written...
    lost_paths = {p for s in lost for p in pq.read_table(s, columns=["path"]).column("path").to_pylist()}
    for s in lost:
        s.unlink()
    (out / ".part-stopped-000001.parquet.tmp").write_bytes(b"PAR1 half a shard")   # ...and one cut short
    before = set(out.glob("part-*.parquet"))

    assert main(["batch", src, "--out", str(out), "--batch-size", "3", "--quiet"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(f"clockreader batch: {N_IMAGES + 2} inputs ({N_IMAGES + 2 - len(lost_paths)} already done)")
    assert " images/s " in line and "failed" in line
    new = set(out.glob("part-*.parquet")) - before
    reread = [p for s in new for p in pq.read_table(s, columns=["path"]).column("path").to_pylist()]
    assert set(reread) == lost_paths                      # only the missing inputs were read again
    assert not list(out.glob(".*.tmp"))
    rows = _rows(out)
    keys = [(r["path"], r["frame"]) for r in rows]
    assert len(keys) == len(set(keys))                    # every input exactly once...
    assert {p for p, _ in keys} == set(list_inputs([src]))   # ...and none missing

    again = run_batch([src], out, progress=False)          # all done: nothing read, Ray not even asked
    assert again["rows"] == 0 and again["skipped"] == N_IMAGES + 2


def test_manifest_paths_and_missing_files(ray_local, archive, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from clockreader.batch import run_batch

    man = archive / "manifest.parquet"
    pq.write_table(pa.table({"path": ["arch/clock02.jpg", str(archive / "arch/sub/clock06.jpg"), "arch/gone.jpg"],
                             "note": ["a", "b", "c"]}), man)
    run_batch([str(man)], tmp_path / "out", progress=False)
    got = {r["path"]: r for r in _rows(tmp_path / "out")}
    assert set(got) == {str(archive / "arch/clock02.jpg"), str(archive / "arch/sub/clock06.jpg"), str(archive / "arch/gone.jpg")}
    assert got[str(archive / "arch/gone.jpg")]["error"].endswith("file not found")
    assert got[str(archive / "arch/clock02.jpg")]["status"] != "error"


def test_usage_errors_exit_2(ray_local, archive, tmp_path, capsys):
    from clockreader.cli import main

    src = str(archive / "arch" / "clock01.jpg")
    assert main(["batch", src, "--out", str(tmp_path / "o"), "--every", "-1"]) == 2
    assert main(["batch", src, "--out", str(tmp_path / "o"), "--frames", "a:b"]) == 2
    assert main(["batch", src, "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    assert main(["batch", str(tmp_path / "empty*.jpg"), "--out", str(tmp_path / "o")]) == 2
    # a DIR read with other options is not added to (its rows would mix two readings)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "_batch.json").write_text(json.dumps({"locate": "always"}))
    assert main(["batch", src, "--out", str(tmp_path / "used")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    err = [e for e in lines if e.startswith("clockreader batch: ")]   # (a fresh install's libraries may warn once)
    assert len(err) == 5 and not any("Traceback" in e for e in lines), lines
    assert "other options" in err[-1]


def test_without_ray_one_line_names_the_extra(monkeypatch, tmp_path, capsys):
    from clockreader.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)          # import ray -> ImportError
    assert main(["batch", "x.jpg", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['clockreader batch: needs Ray Data, the "scale" extra: from the checkout, pip install -e ".[scale]"']


def test_help_does_not_import_ray():
    code = "import sys; from clockreader.cli import build_parser; build_parser(); print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert out.stdout.strip() == "False", out.stderr
