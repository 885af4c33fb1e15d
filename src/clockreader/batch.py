"""``clockreader batch``: read an archive of photos and videos on Ray Data into Parquet shards.

The inputs (folders, globs, files, or a CSV/Parquet manifest with a ``path`` column) are listed here, on
the driver; a pool of Ray actors, each holding one :class:`clockreader.ClockReader`, opens and decodes
them and gives each the rows ``clockreader read --json`` prints for it (:meth:`ClockReader.read_many`
and :func:`clockreader.runtime.reader.rows_for` for photos, as ``read`` and :meth:`ClockReader.read_rows`
use them; :meth:`ClockReader.iter_video` for a video's sampled frames), so a batch row and a ``read`` row
of one image are the same. The driver writes each block of rows as one shard, atomically (a temp name,
then a rename), so a stop leaves only whole shards; a re-run over the same DIR skips every path a shard
already holds. Workers must see the inputs (and ``--model``) at the paths the driver lists: a shared
filesystem on a real cluster.

Ray (the ``scale`` extra) is imported only inside these functions, so ``clockreader --help`` stays fast.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import time
from pathlib import Path

MANIFEST_EXTENSIONS = (".csv", ".parquet")
OPTIONS_FILE = "_batch.json"       # the options the shards were read with ("_": Parquet readers skip it)
SHARD_GLOB = "part-*.parquet"
MAX_BATCH = 256                    # inputs per actor call: past this a stop loses more work, for no speed
NO_FRAME_MESSAGE = "{name}: no frame was chosen (check --frames / --every)"  # as `read` says it
INSTALL_HINT = 'pip install -e ".[scale]"'


class UsageError(ValueError):
    """Bad usage of ``batch`` (exit 2)."""


def _schema():
    """The shards' columns: ``path`` and ``frame`` (null for a photo), ``t`` (seconds into a video), the
    fields of :meth:`ClockReader.read_rows` (``box`` is [x0, y0, x1, y1] in the image's pixels), and the
    SHA-256 of the model that read the row."""
    import pyarrow as pa

    return pa.schema([
        ("path", pa.string()), ("frame", pa.int64()), ("t", pa.float64()), ("status", pa.string()),
        ("time", pa.string()), ("hour", pa.int64()), ("minute", pa.int64()), ("confidence", pa.float64()),
        ("alternatives", pa.list_(pa.struct([("time", pa.string()), ("confidence", pa.float64())]))),
        ("box", pa.list_(pa.float64())), ("unsure", pa.bool_()), ("error", pa.string()), ("model_sha256", pa.string()),
    ])


# -- inputs -----------------------------------------------------------------------------------------
def is_manifest(source: str) -> bool:
    return Path(source).suffix.lower() in MANIFEST_EXTENSIONS and Path(source).is_file()


def read_manifest(path: str | Path) -> list[str]:
    """The ``path`` column of a CSV or Parquet manifest; relative paths are relative to the manifest's
    folder (as a dataset's clocks.csv is)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, newline="") as fh:
            header = next(csv.reader(fh), [])
        names = header
    else:
        names = pq.read_schema(path).names
    if "path" not in names:
        raise UsageError(f"{path}: a manifest needs a 'path' column (it has {', '.join(names) or 'none'})")
    if path.suffix.lower() == ".csv":
        # read as text: a path of digits must not become a number
        table = pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(include_columns=["path"], column_types={"path": pa.string()}))
    else:
        table = pq.read_table(path, columns=["path"])
    return [p if Path(p).is_absolute() else str(path.parent / p) for p in table.column("path").to_pylist() if p]


def list_inputs(sources: list[str]) -> dict[str, str | None]:
    """Every input in ``sources``, once each, in order: its name (as ``read`` expands them,
    :func:`clockreader.read_cli.expand_inputs`, with CSV/Parquet manifests read for their paths) -> None,
    or the error already known for it (a folder without images, as ``read`` reports it)."""
    from .read_cli import expand_inputs

    names: dict[str, str | None] = {}
    for src in sources:
        if src == "-":
            raise UsageError("batch reads files, not standard input (-)")
        if is_manifest(src):
            names.update((n, None) for n in read_manifest(src) if n not in names)
            continue
        for item in expand_inputs([src]):
            if item[0] not in names:
                names[item[0]] = str(item[1]) if isinstance(item[1], Exception) else None
    return names


# -- the shards -------------------------------------------------------------------------------------
def done_paths(out: Path) -> set[str]:
    """The paths the whole shards in ``out`` already hold (a temp file left by a stop is not a shard)."""
    import pyarrow.parquet as pq

    done: set[str] = set()
    for shard in sorted(out.glob(SHARD_GLOB)):
        done.update(pq.read_table(shard, columns=["path"]).column("path").to_pylist())
    return done


def write_shard(out: Path, name: str, table) -> Path:
    """Write ``table`` to ``out/name`` whole or not at all: to a hidden temp file, synced, then renamed."""
    import pyarrow.parquet as pq

    final, tmp = out / name, out / f".{name}.tmp"
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, final)
    return final


def check_options(out: Path, options: dict) -> None:
    """Record the options of a new DIR; refuse to add to a DIR read with others (its rows would mix)."""
    f = out / OPTIONS_FILE
    if f.is_file():
        old = json.loads(f.read_text())
        diff = [k for k in options if old.get(k) != options[k]]
        if diff:
            raise UsageError(f"{out} holds readings made with other options ({', '.join(f'{k}: {old.get(k)!r}' for k in diff)}); "
                             "use the same options or another --out")
        return
    f.write_text(json.dumps(options, indent=2) + "\n")


# -- the actors -------------------------------------------------------------------------------------
class ReadActor:
    """One Ray actor's reader: a batch of ``path`` names in, their rows out (a pyarrow table).

    ``cwd``: the driver's working folder, against which relative names are opened; messages still name
    the input as given, as ``read`` run in that folder would.
    """

    def __init__(self, model, locate, zoom, every, frames, threads, cwd):
        from .runtime.reader import load_reader
        from .spec import sha256_file
        from .video import parse_frames

        self.reader = load_reader(model, threads, zoom=zoom)
        self.sha = sha256_file(_model_file(self.reader, model))
        self.locate, self.every, self.cwd = locate, every, cwd
        self.frames = parse_frames(frames) if frames else None

    def __call__(self, batch):
        import pyarrow as pa

        rows = [{**r, "model_sha256": self.sha} for r in self.rows(batch.column("path").to_pylist())]
        return pa.Table.from_pylist(rows, schema=_schema())

    def rows(self, names: list[str]) -> list[dict]:
        """``read --json``'s rows for these inputs, in order: photos through :meth:`ClockReader.read_many`
        (their crops share model calls, as in ``read``), videos frame by frame. A failure nobody foresaw
        reads the photos again one by one, so that it is one input's error row and not a lost batch."""
        from .runtime.reader import READ_BATCH
        from .runtime.reading import rows_for
        from .video import is_video

        srcs = [self._open(n) for n in names]
        photos = [(n, s) for n, s in zip(names, srcs) if not is_video(s)]
        try:
            got = dict(zip((n for n, _ in photos), self.reader.read_many([s for _, s in photos], locate=self.locate,
                                                                        batch_size=READ_BATCH, first=True)))
            photo_rows = {n: rows_for(got[n]) for n, _ in photos}
        except Exception:  # noqa: BLE001 - see the docstring
            photo_rows = {n: self._guarded(s, lambda s=s: self.reader.read_rows(s, locate=self.locate)) for n, s in photos}
        out = []
        for name, src in zip(names, srcs):
            if is_video(src):
                rows = self._guarded(src, lambda: self._video_rows(name, src))
            else:
                rows = [{"frame": None, "t": None, **r} for r in photo_rows[name]]
            out.extend(self._named({"path": name, **r}, name, src) for r in rows)
        return out

    def _open(self, name: str) -> Path:
        return Path(name) if Path(name).is_absolute() else Path(self.cwd) / name

    @staticmethod
    def _guarded(src: Path, fn) -> list[dict]:
        from .runtime.reading import error_dict

        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - one input's error row, never a lost batch
            return [{"frame": None, "t": None, **error_dict(f"{src}: {type(e).__name__}: {e}")}]

    @staticmethod
    def _named(row: dict, name: str, src: Path) -> dict:
        """Messages name the input as given (``read`` run in the driver's folder says ``name: ...``)."""
        if row["error"] and row["error"].startswith(f"{src}:"):
            row["error"] = name + row["error"][len(str(src)):]
        return row

    def _video_rows(self, name: str, src: Path) -> list[dict]:
        from .errors import InvalidVideoError
        from .runtime.reading import error_dict

        rows, error = [], None
        try:
            for fr in self.reader.iter_video(src, every=self.every, frames=self.frames, locate=self.locate):
                rows.append({**fr.to_dict(), "error": None})
        except InvalidVideoError as e:  # the frames before the damage are kept, as `read` keeps them
            error = str(e)
        if error or not rows:
            rows.append({"frame": None, "t": None, **error_dict(error or NO_FRAME_MESSAGE.format(name=name))})
        return rows


def _model_file(reader, model) -> Path:
    from .runtime.reader import DEFAULT_MODEL

    path = getattr(reader, "path", None)
    if path is None:
        path = Path(model) if model is not None else DEFAULT_MODEL
        path = path / "model.onnx" if path.is_dir() else path
    return Path(path)


# -- the run ----------------------------------------------------------------------------------------
def plan(n_inputs: int, cpus: float, threads: int, workers: int | None, batch_size: int | None) -> tuple[int, int]:
    """(actors, inputs per actor call): by default one actor per ``threads`` of the cluster's CPUs, and
    batches that give each actor about 4 calls (so the last ones even out) but at most MAX_BATCH."""
    w = workers or max(1, int(cpus // threads))
    bs = batch_size or max(1, min(MAX_BATCH, math.ceil(n_inputs / (4 * w))))
    return min(w, math.ceil(n_inputs / bs)), bs   # an actor with no call to make would only load a model


def run_batch(sources: list[str], out: str | Path, model: str | None = None, locate: str = "auto", zoom: bool = True,
              every: float | None = 1.0, frames: str | None = None, workers: int | None = None,
              batch_size: int | None = None, threads: int = 1, address: str | None = None,
              progress: bool = True, log=None) -> dict:
    """Read every input of ``sources`` not yet in ``out`` on Ray and write their rows as Parquet shards.

    ``address``: join that Ray cluster; else use the Ray already started in this process, else start a
    local one with this machine's cores (and stop it at the end). ``threads``: ONNX Runtime threads (and
    CPUs reserved) per actor. Returns the run's figures: inputs, skipped (already in ``out``), rows, ok,
    unsure, no_clock, failed, shards, startup_s (listing the inputs and starting Ray), seconds (from then
    to the last shard: actors' start-up and reading), images_per_s (rows, photos and video frames, per second of that).
    """
    from .runtime.reader import load_reader
    from .spec import sha256_file

    log = log or (lambda msg: print(msg, file=sys.stderr))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    inputs = list_inputs(sources)
    if not inputs or all(err is not None for err in inputs.values()):   # nothing that could be read
        raise UsageError("no images or videos found in the given inputs"
                         + (f" ({next(iter(inputs.values()))})" if inputs else ""))
    # loaded once here too: a bad --model is one line now, not an error in every actor
    probe = load_reader(model, threads, zoom=zoom)
    options = {"model_sha256": sha256_file(_model_file(probe, model)), "locate": locate, "zoom": zoom,
               "every": every, "frames": frames}
    out.mkdir(parents=True, exist_ok=True)
    check_options(out, options)
    for stale in out.glob(".part-*.tmp"):  # a shard a stop left half written: its inputs are not done
        stale.unlink()
    done = done_paths(out)
    todo = [n for n in inputs if n not in done]
    shards = _Shards(out, options["model_sha256"])
    fig = shards.fig
    fig.update(inputs=len(inputs), skipped=len(inputs) - len(todo))
    if not todo:
        log(f"clockreader batch: all {len(inputs)} inputs are already in {out}")
        return fig
    known = [n for n in todo if inputs[n] is not None]
    if known:
        shards.write_rows([{"path": n, "frame": None, "t": None, **_error(inputs[n])} for n in known])
    todo = [n for n in todo if inputs[n] is None]
    if todo:
        _on_ray(todo, shards, options, model, threads, workers, batch_size, address, progress, log)
    shards.finish()
    return fig


def _error(message: str) -> dict:
    from .runtime.reading import error_dict

    return error_dict(message)


class _Shards:
    """Writes the run's shards (``part-RUN-SEQ.parquet``) and counts their rows for the summary."""

    def __init__(self, out: Path, sha: str):
        self.out, self.sha, self.seq = out, sha, 0
        self.run_id = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        self.t0 = self.t_start = time.perf_counter()
        self.fig = {"inputs": 0, "skipped": 0, "rows": 0, "ok": 0, "unsure": 0, "no_clock": 0, "failed": 0,
                    "shards": 0, "seconds": 0.0, "startup_s": 0.0, "images_per_s": 0.0}

    def start(self) -> None:
        """Reading starts (Ray is up): images/s counts from here."""
        self.t_start = time.perf_counter()

    def write_rows(self, rows: list[dict]) -> None:
        import pyarrow as pa

        self.write(pa.Table.from_pylist([{**r, "model_sha256": self.sha} for r in rows], schema=_schema()))

    def write(self, table) -> None:
        import pyarrow.compute as pc

        if not table.num_rows:
            return
        write_shard(self.out, f"part-{self.run_id}-{self.seq:06d}.parquet", table.cast(_schema()))
        self.seq += 1
        status = table.column("status")
        self.fig["rows"] += table.num_rows
        for key, value in (("ok", "ok"), ("unsure", "unsure"), ("no_clock", "no clock"), ("failed", "error")):
            self.fig[key] += pc.sum(pc.equal(status, value)).as_py() or 0

    def finish(self) -> None:
        f = self.fig
        now = time.perf_counter()
        f["shards"], f["seconds"], f["startup_s"] = self.seq, round(now - self.t_start, 2), round(self.t_start - self.t0, 2)
        f["images_per_s"] = round(f["rows"] / f["seconds"], 2) if f["seconds"] else 0.0


def _on_ray(todo, shards, options, model, threads, workers, batch_size, address, progress, log) -> None:
    """Read ``todo`` on Ray: join ``address``, or the Ray this process runs, or start a local one."""
    import ray

    started = False
    if address:
        ray.init(address=address)  # Ray Client (ray://) takes few init options: none here
        started = True
    elif not ray.is_initialized():
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, logging_level="warning")
        started = True
    try:
        _read_on_ray(ray, todo, shards, options, model, threads, workers, batch_size, progress, log)
    finally:
        if started:
            ray.shutdown()


def _read_on_ray(ray, todo, shards, options, model, threads, workers, batch_size, progress, log) -> None:
    import pyarrow as pa

    from .video import is_video

    ray.data.DataContext.get_current().enable_progress_bars = progress
    shards.start()
    cpus = ray.cluster_resources().get("CPU", 1)
    ctor = {"model": model, "locate": options["locate"], "zoom": options["zoom"], "every": options["every"],
            "frames": options["frames"], "threads": threads, "cwd": os.getcwd()}
    # videos one per call (each is many frames), photos in batches: two runs of one pipeline
    for kind, group in (("videos", [n for n in todo if is_video(n)]), ("images", [n for n in todo if not is_video(n)])):
        if not group:
            continue
        w, bs = plan(len(group), cpus, threads, workers, 1 if kind == "videos" else batch_size)
        log(f"clockreader batch: {len(group)} {kind} to read ({shards.fig['skipped']} inputs already in {shards.out}), "
            f"{w} actors x {threads} thread(s), {bs} per call")
        ds = ray.data.from_arrow(pa.table({"path": pa.array(group, pa.string())}), override_num_blocks=math.ceil(len(group) / bs))
        rows = ds.map_batches(ReadActor, batch_size=bs, batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=w),
                              num_cpus=threads, fn_constructor_kwargs=ctor)
        # each block holds the rows of whole inputs (one actor call's output): one block, one shard
        for block in rows.iter_batches(batch_size=None, batch_format="pyarrow"):
            shards.write(block)


def summary(fig: dict, out) -> str:
    """The one line printed at the end of a run."""
    return (f"clockreader batch: {fig['inputs']} inputs ({fig['skipped']} already done): {fig['rows']} rows read, "
            f"ok {fig['ok']}, unsure {fig['unsure']}, no clock {fig['no_clock']}, failed {fig['failed']}; "
            f"{fig['images_per_s']:.1f} images/s over {fig['seconds']:.1f} s (after {fig['startup_s']:.1f} s starting); "
            f"{fig['shards']} new shards in {out}")


def run_cli(args) -> int:
    """``clockreader batch``: check the flags (exit 2), read, print the summary line; 0 when the run ends,
    also with error rows (they are results: the ``failed`` count and the ``error`` column say which)."""
    from .video import parse_frames

    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        print(f'clockreader batch: needs Ray Data, the "scale" extra: from the checkout, {INSTALL_HINT}', file=sys.stderr)
        return 1
    bad = next((f"--{k.replace('_', '-')} must be at least 1. Got {getattr(args, k)} instead." for k in ("workers", "batch_size", "threads")
                if getattr(args, k) is not None and getattr(args, k) < 1), None)
    if bad is None and args.every is not None and args.every < 0:
        bad = f"--every must be >= 0 seconds. Got {args.every:g} instead."
    if bad is None and args.frames:
        try:
            parse_frames(args.frames)
        except ValueError as e:
            bad = str(e)
    if bad:
        print(f"clockreader batch: {bad}", file=sys.stderr)
        return 2
    try:
        fig = run_batch(args.sources, args.out, model=args.model, locate=args.locate, zoom=not args.no_zoom,
                        every=args.every, frames=args.frames, workers=args.workers, batch_size=args.batch_size,
                        threads=args.threads or 1, address=args.ray, progress=not args.quiet)
    except UsageError as e:
        print(f"clockreader batch: {e}", file=sys.stderr)
        return 2
    print(summary(fig, args.out))
    return 0
