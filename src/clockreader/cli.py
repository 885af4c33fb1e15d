"""The ``clockreader`` command: a thin adapter over the library. Heavy subcommands import lazily, so
``--help`` and ``--version`` are instant. Errors print one line to stderr (exit 1 runtime, 2 usage);
``--debug`` shows the traceback."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys

from . import __version__
from .errors import ClockReaderError


def _add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default="cpu-small", choices=["cpu-small", "seed"], help="starting configuration (default: cpu-small)")
    p.add_argument("--arch", help="timm architecture name (e.g. efficientnet_lite0, convnext_atto, resnet10t)")
    p.add_argument("--pretrained", help="none | lite0-imagenet | hub | PATH to a timm/safetensors checkpoint")
    p.add_argument("--data", action="append", help="'synthetic' (default) or a dataset folder/CSV; repeat to mix")
    p.add_argument("--size", type=int, help="input size in pixels (default 128)")
    p.add_argument("--resize", choices=["squish", "pad", "crop"])
    p.add_argument("--epochs", type=int)
    p.add_argument("--epoch-size", type=int, help="synthetic clocks per epoch")
    p.add_argument("--valid-size", type=int, help="fixed synthetic validation clocks")
    p.add_argument("--bs", type=int, help="batch size")
    p.add_argument("--lr", type=float, help="one-cycle peak learning rate")
    p.add_argument("--seed", type=int)
    p.add_argument("--workers", type=int, help="DataLoader workers")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"])
    p.add_argument("--bf16", action="store_true", default=None, help="bf16 autocast")
    p.add_argument("--full-rotation", action="store_true", default=None, help="rotate synthetic clocks through 360 degrees")
    p.add_argument("--turned", type=float, help="share of training dials turned round (default 0.1; only dials whose numerals or text show which way is up)")
    p.add_argument("--steep", type=float, help="share of training dials seen 40-60 degrees off axis (default 0.15)")
    p.add_argument("--far", type=float, help="share of training clocks seen from far away: rendered at 20-50%% of the input size and enlarged, "
                   "as the locators crop a small clock from a wide photo (default 0)")
    p.add_argument("--dial", action="store_true", default=None,
                   help="also learn the dial's quarter points (an extra head; the points are not used for reading)")
    p.add_argument("--hands", action="store_true", default=None,
                   help="also learn where the dial's centre, its 12 o'clock and the hands' tips are, densely (an extra head on "
                        "the stride-8 features; layout hour720+minute60+hands8)")
    p.add_argument("--out", help="output folder (default runs/model)")


def _train_config(args):
    from dataclasses import replace

    from .train.config import PRESETS

    cfg = PRESETS[args.preset]
    over = {k: getattr(args, k) for k in ("arch", "pretrained", "size", "resize", "epochs", "epoch_size", "valid_size",
                                          "bs", "lr", "seed", "workers", "device", "bf16", "full_rotation", "turned", "steep", "far", "dial", "hands", "out")
            if getattr(args, k, None) is not None}
    if args.data:
        over["data"] = tuple(args.data)
    if over.get("pretrained") == "none":
        over["pretrained"] = None
    return replace(cfg, **over)


def _command_line(args) -> str:
    """The command as typed (recorded in a model's spec), also when ``main`` is called with a list."""
    return "clockreader " + " ".join(shlex.quote(a) for a in args.argv)


def cmd_train(args) -> int:
    from pathlib import Path

    from .train.learner import train

    cfg = _train_config(args)
    for src in cfg.data:
        if src != "synthetic" and not Path(src).exists():
            print(f"clockreader train: --data {src}: no such file or folder", file=sys.stderr)
            return 2
    cfg = type(cfg)(**{**cfg.__dict__, "resume": args.resume})
    spec = train(cfg, command=_command_line(args))
    print(f"saved {cfg.out}/model.onnx, model.safetensors, model.json, training.png; valid: "
          + ", ".join(f"{k} {v:.4f}" for k, v in spec.metrics.get("valid", {}).items()))
    return 0


def cmd_average(args) -> int:
    from .train.average import average_runs

    spec = average_runs(args.checkpoints, args.out, command=_command_line(args), size=args.size)
    print(f"saved {args.out}/model.onnx, model.safetensors, model.json (the mean of {len(args.checkpoints)} runs); "
          f"torch and ONNX agree: {spec.metrics['onnx_check']['same_readings']}")
    return 0


def cmd_ensemble(args) -> int:
    from pathlib import Path

    from .train.ensemble import ensemble_models

    spec = ensemble_models(args.models, args.out, command=_command_line(args), store=args.store)
    print(f"saved {args.out}/model.onnx and model.json (an ensemble of {len(args.models)} models, "
          f"{(Path(args.out) / 'model.onnx').stat().st_size / 1e6:.1f} MB); "
          f"members and ensemble agree: {spec.metrics['onnx_check']['same_readings']}")
    return 0


def cmd_lr_find(args) -> int:
    from .train.learner import lr_find

    cfg = _train_config(args)
    res = lr_find(cfg, args.plot)
    print(f"suggested learning rate (valley): {res['valley']:.2e}; plot saved to {args.plot}")
    return 0


def cmd_generate(args) -> int:
    from .render.dataset import write_time_layout

    out = write_time_layout(args.out, args.per_class, size=args.size, seed=args.seed, progress=not args.quiet)
    print(f"wrote {144 * args.per_class} clocks to {out} (TIME layout, clocks.csv, truth.jsonl)")
    return 0


def cmd_preview(args) -> int:
    from pathlib import Path

    from .render.dataset import preview_sheet

    out = Path(args.out)
    if (out.exists() or out.is_symlink()) and not args.force:
        print(f"clockreader preview: {out} exists; not overwritten (--force to replace it)", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    preview_sheet(args.count, args.seed, args.size, columns=args.columns, full_rotation=args.full_rotation).save(out)
    print(f"saved a preview of {args.count} clocks to {out}")
    return 0


def cmd_test(args) -> int:
    import json
    from pathlib import Path

    from .evaluate import format_table, run_test, write_report
    from .evaluate_video import format_video_table, is_video_set, run_video_test
    from .video import parse_frames

    try:
        frames = parse_frames(args.frames) if args.frames else None
    except ValueError as e:
        print(f"clockreader test: {e}", file=sys.stderr)
        return 2
    if is_video_set(args.dataset):
        if args.crop == "box" or args.tta or args.report:
            print("clockreader test: a video set is read end to end; --crop box, --tta and --report are for image sets", file=sys.stderr)
            return 2
        fig, records = run_video_test(args.dataset, args.model, tolerance=2 if args.tolerance is None else args.tolerance, frames=frames, locate=args.locate,
                                      threads=args.threads, zoom=not args.no_zoom, progress=not args.quiet)
        print(format_video_table(fig))
    else:
        if frames is not None:
            print("clockreader test: --frames is for video sets (a folder with videos.csv and frames.csv)", file=sys.stderr)
            return 2
        fig, records, items = run_test(args.dataset, args.model, tolerance=1 if args.tolerance is None else args.tolerance, batch_size=args.batch_size,
                                       progress=not args.quiet, threads=args.threads, locate=args.locate, tta=args.tta,
                                       zoom=not args.no_zoom, crop=args.crop)
        print(format_table(fig))
        print("\nthe seed's classification report (scikit-learn, 144 five-minute classes)")
        print(fig["seed"]["classification_report"])
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"figures": fig, "readings": records}, indent=2))
        print(f"saved figures and every reading to {args.json}")
    if args.report:
        paths = write_report(args.report, fig, records, items)
        print(f"saved the report to {paths[0]}")
    return 0


def cmd_train_locator(args) -> int:
    from dataclasses import replace

    from .train.config import PRESETS
    from .train.locator import train_locator

    over = {k: getattr(args, k) for k in ("epochs", "epoch_size", "size", "bs", "lr", "seed", "workers", "device", "out", "real_boxes", "real_repeat",
                                        "pretrained") if getattr(args, k) is not None}
    spec = train_locator(replace(PRESETS["locator"], **over, resume=args.resume), command=_command_line(args))
    m = spec.metrics["synthetic_scenes"]
    print(f"saved {spec.training['config']['out']}/locator.onnx; synthetic scenes: recall {m['recall']:.3f}, precision {m['precision']:.3f}")
    return 0


FRAME_ASPECTS = {"16:9": 16 / 9, "2.39:1": 2.39, "3:2": 1.5, "3:4": 0.75}  # video, film (scope), camera and upright phone frames


def _print_scene_reading(r: dict, what: str) -> None:
    print(f"clocks in synthetic scenes read as `read` does ({r['clocks']} clocks in {what}): "
          f"found {r['found']:.3f}, read within 1 min {r['read_within_1min']:.3f} (from the true box: {r['read_from_true_box']:.3f})")
    for name, f in r["by_clock_side"].items():
        if f["clocks"]:
            print(f"  {name:6s} clocks ({f['clocks']}): found {f['found']:.3f}, read {f['read_within_1min']:.3f}, from the true box {f['read_from_true_box']:.3f}")


def cmd_locate_test(args) -> int:
    import json

    from .evaluate_locate import real_box_figures, real_composite_figures, scene_reading_figures, synthetic_scene_figures
    from .runtime.locator import ClockLocator
    from .runtime.reader import load_reader

    locator = ClockLocator(args.locator, zoom=not args.no_zoom)
    if args.scenes is None:
        args.scenes = 0 if args.real_boxes else 300
    out = {}
    for src in args.real_boxes or []:
        r = real_box_figures(locator, src, progress=True, held_out_only=args.held_out)
        out.setdefault("real_boxes", {})[src] = r
        print(f"real boxes {src} ({r['images']} photos, {r['clocks']} labelled clocks): recall {r['recall']:.3f} ({r['found']}/{r['clocks']}), "
              f"precision {r['precision']:.3f} ({r['found']}/{r['boxes_given']}; a lower bound where clocks are unboxed), "
              f"best box is a labelled clock {r['best_box_is_labelled']:.3f} ({r['best_box_is_labelled_count']}/{r['images']}), "
              f"no box {r['images_without_a_box']}")
    if args.scenes:
        out["synthetic_scenes"] = synthetic_scene_figures(locator, n=args.scenes)
        print(f"synthetic scenes ({args.scenes}, {out['synthetic_scenes']['clocks']} clocks): recall {out['synthetic_scenes']['recall']:.3f}, "
              f"precision {out['synthetic_scenes']['precision']:.3f}, "
              f"empty scenes given a box {out['synthetic_scenes']['scenes_without_clocks_given_a_box']}")
    reader = load_reader(args.model, locator=args.locator or "default", zoom=not args.no_zoom) if (args.real or args.read_scenes or args.wide_scenes) else None
    if args.read_scenes:
        r = out["scene_reading"] = scene_reading_figures(reader, n=args.read_scenes, progress=True)
        _print_scene_reading(r, f"{r['scenes']} scenes of {r['size']} px")
    if args.wide_scenes:
        out["frame_reading"] = {}
        for name, aspect in FRAME_ASPECTS.items():
            r = out["frame_reading"][name] = scene_reading_figures(reader, n=args.wide_scenes, progress=True, aspect=aspect)
            _print_scene_reading(r, f"{name} bands of {r['scenes']} scenes of {r['size']} px")
    if args.real:
        # as found in wide shots, and small (a clock across a room or down a street: a tenth of the image's side)
        for key, sides in (("real_composites", (0.2, 0.3, 0.45)), ("real_composites_small", (0.1,))):
            r = out[key] = real_composite_figures(locator, reader, args.real, sides=sides)
            print(f"real clocks pasted into photos at {'/'.join(f'{x:.2f}' for x in sides)} of the side ({r['images']}): "
                  f"found {r['found_at_iou_0.5']:.3f} at IoU 0.5 "
                  f"(by clock side: {', '.join(f'{k}: {v:.2f}' for k, v in r['found_by_clock_side'].items())}); "
                  f"read within 1 min: {r['read_within_1min_composite']:.3f} in the composites vs {r['read_within_1min_original']:.3f} from the originals")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return 0


def cmd_pseudo_label(args) -> int:
    from .pseudo import CLEAN_TRACK, PHOTO_THRESHOLD, pseudo_label
    from .video import parse_frames

    try:
        frames = parse_frames(args.frames)
    except ValueError as e:
        print(f"clockreader pseudo-label: {e}", file=sys.stderr)
        return 2
    threshold = PHOTO_THRESHOLD if args.threshold is None else args.threshold
    c = pseudo_label(args.sources, args.out, args.model, frames=frames, threshold=threshold, progress=not args.quiet)
    for video, t in c["tracks"].items():
        print(f"{video}: {'clean track' if t['steady'] and t['inlier_share'] >= CLEAN_TRACK else 'not kept'} "
              f"({t['inliers']}/{t['readings']} readings on it, {t['rate_minutes_per_frame']:.3f} min/frame)")
    print(f"saved {c['labels']} labelled views to {args.out}/labels.csv: {c['frames_kept']} frames of {c['videos_kept']}/{c['videos']} videos, "
          f"{c['photos_kept']}/{c['photos']} photos whose views agree; {c['failed']} files failed")
    return 0


def cmd_read(args) -> int:
    from .read_cli import run_read

    return run_read(args)


def cmd_batch(args) -> int:
    from .batch import run_cli  # imports Ray only when the command runs

    return run_cli(args)


def cmd_serve(args) -> int:
    try:
        import uvicorn

        from .server.app import create_app, serve_options
    except ImportError:
        print('clockreader serve: the web server needs the "serve" extra: from the checkout, pip install -e ".[serve]"', file=sys.stderr)
        return 1
    from .runtime.reader import load_reader

    app = create_app(load_reader(args.model, args.threads))
    print(f"clockreader: serving on http://{args.host}:{args.port}/ (Ctrl+C to stop)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", **serve_options())  # keep-alive, header timeouts
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="clockreader", description="Read the time from photos of analog clocks.")
    p.add_argument("--version", action="version", version=f"clockreader {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a clock reader (timm + fastai)")
    _add_train_args(t)
    t.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.safetensors")
    t.set_defaults(func=cmd_train)

    av = sub.add_parser("average", help="average the weights of runs of one network (a model soup)")
    av.add_argument("checkpoints", nargs="+", metavar="MODEL.safetensors", help="runs' weights, each with its model.json beside it")
    av.add_argument("--out", required=True, help="output folder (must not hold a model yet)")
    av.add_argument("--size", type=int, help="input size of the mean; lets runs trained at different sizes be averaged")
    av.set_defaults(func=cmd_average)

    en = sub.add_parser("ensemble", help="join readers into one ONNX model that averages their readings")
    en.add_argument("models", nargs="+", metavar="MODEL.onnx", help="readers' ONNX files, run folders or training checkpoints (model.safetensors), one input size")
    en.add_argument("--out", required=True, help="output folder (must not hold a model yet)")
    en.add_argument("--store", choices=("float32", "float16", "int8"), default="float16",
                    help="how the weights are kept in the file: float16 (default, half of float32) or int8 (a quarter; "
                         "per-channel scales); the arithmetic is float32 either way")
    en.set_defaults(func=cmd_ensemble)

    lf = sub.add_parser("lr-find", help="run fastai's learning-rate finder and save the plot")
    _add_train_args(lf)
    lf.add_argument("--plot", default="lr_find.png", help="where to save the plot (default lr_find.png)")
    lf.set_defaults(func=cmd_lr_find)

    g = sub.add_parser("generate", help="render a synthetic dataset in the Kaggle TIME layout")
    g.add_argument("out", help="output folder (must be new or empty)")
    g.add_argument("--per-class", type=int, default=10, help="clocks per 5-minute class (default 10)")
    g.add_argument("--size", type=int, default=224, help="image side in pixels (default 224)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--quiet", action="store_true", help="no progress bar")
    g.set_defaults(func=cmd_generate)

    pv = sub.add_parser("preview", help="draw a contact sheet of rendered clocks with their times")
    pv.add_argument("--out", default="preview.png")
    pv.add_argument("--count", type=int, default=64)
    pv.add_argument("--seed", type=int, default=0)
    pv.add_argument("--size", type=int, default=128)
    pv.add_argument("--columns", type=int, default=8)
    pv.add_argument("--full-rotation", action="store_true")
    pv.add_argument("--force", action="store_true", help="replace OUT if it exists")
    pv.set_defaults(func=cmd_preview)

    te = sub.add_parser("test", help="score a model on a labelled set (the seed's and the field's metrics)")
    te.add_argument("dataset", help="dataset folder or CSV, a video set (a folder with videos.csv and frames.csv, e.g. ../shared/data/timelapse), "
                    "or synthetic:N:SEED[:SIZE] (e.g. synthetic:1440:2024; SIZE: render size, default 160 px)")
    te.add_argument("--model", help="model.onnx or model.safetensors (default: the bundled model)")
    te.add_argument("--tolerance", type=int, help="minutes within which a reading counts as right (default 1; 2 for a video set, "
                    "whose labels are a fixed step per frame)")
    te.add_argument("--json", help="write every figure and reading to this JSON file")
    te.add_argument("--report", help="write report.md, plots and a gallery of the worst readings here")
    te.add_argument("--batch-size", type=int, default=32)
    te.add_argument("--locate", choices=["never", "auto", "always"], default="auto",
                    help="find the main clock with the locators first (default auto, as `read` does; never: the model alone on whole images)")
    te.add_argument("--crop", choices=["none", "box"], default="none",
                    help="box: It's About Time's protocol, the dataset's labelled box (x0,y0,x1,y1 columns) with 20%% context, "
                         "squared, read without the locator")
    te.add_argument("--frames", metavar="A:B:STEP", help="for a video set: the frames to read (default all), e.g. ::5")
    te.add_argument("--no-zoom", action="store_true", help="with --locate: the bundled locators without their closer look (enlarged windows and the grid look) for small clocks")
    te.add_argument("--tta", action="store_true", help="test-time augmentation: merge 5 shifted views (5x slower)")
    te.add_argument("--threads", type=int)
    te.add_argument("--quiet", action="store_true", help="no progress bar")
    te.set_defaults(func=cmd_test)

    tl = sub.add_parser("train-locator", help="train the clock locator on synthetic scenes")
    for flag, typ in (("--epochs", int), ("--epoch-size", int), ("--size", int), ("--bs", int), ("--lr", float),
                      ("--seed", int), ("--workers", int)):
        tl.add_argument(flag, type=typ)
    tl.add_argument("--device", choices=["auto", "cpu", "cuda"])
    tl.add_argument("--out", help="output folder (default runs/locator)")
    tl.add_argument("--real-boxes", metavar="CSV", help="real photos' clock boxes to mix into training (e.g. ../shared/data/unlabelled-real/boxes.csv); "
                    "the fifth whose file names hash to 0 is held out for measuring")
    tl.add_argument("--real-repeat", type=int, help="windows of each real photo per epoch (default 2)")
    tl.add_argument("--pretrained", metavar="PATH", help="start from a locator's training checkpoint (.safetensors), e.g. "
                    "checkpoints/clockreader-locator.safetensors (default: ImageNet weights)")
    tl.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.safetensors")
    tl.set_defaults(func=cmd_train_locator)

    lt = sub.add_parser("locate-test", help="score the locator: synthetic scenes and real clocks pasted into photos")
    lt.add_argument("--scenes", type=int, help="synthetic test scenes (default 300; 0 with --real-boxes alone)")
    lt.add_argument("--real-boxes", action="append", metavar="DATASET",
                    help="real photos with labelled boxes (x0,y0,x1,y1 columns: ../shared/data/coco-clocks, or a boxes.csv); repeatable")
    lt.add_argument("--real", help="a labelled real-clock set to paste into backgrounds (e.g. ../shared/data/real-clocks)")
    lt.add_argument("--read-scenes", type=int, default=0, metavar="N",
                    help="also read the clocks of N synthetic scenes (768 px) end to end, as `read` does, against reading them from their true boxes")
    lt.add_argument("--wide-scenes", type=int, default=0, metavar="N",
                    help="the same on frames cut from N scenes at 16:9, 2.39:1 (film), 3:2 and 3:4 (upright phone photo)")
    lt.add_argument("--held-out", action="store_true",
                    help="with --real-boxes: score only the photos that train-locator --real-boxes holds out (a fifth, by file name)")
    lt.add_argument("--locator", help="locator .onnx (default: the bundled one)")
    lt.add_argument("--no-zoom", action="store_true", help="the bundled locators without their closer look (enlarged windows and the grid look) for small clocks")
    lt.add_argument("--model", help="reader .onnx for the end-to-end figures (default: the bundled one)")
    lt.add_argument("--json", help="write the figures to this JSON file")
    lt.set_defaults(func=cmd_locate_test)

    rd = sub.add_parser("read", help="read the time from clock photos")
    rd.add_argument("inputs", nargs="+", metavar="PHOTO", help="image or video files (mp4, mov, mkv, webm, avi), folders (recursive), globs, or - for stdin")
    fmt = rd.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object per line")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header line")
    rd.add_argument("--annotate", metavar="DIR", help="write each image with the read hands drawn into DIR, mirroring the input folders "
                    "(JPEG stays JPEG; never overwrites: an existing file is reported and left)")
    rd.add_argument("--all", action="store_true", help="every clock found in a photo, each with its box (default: the clock read most surely)")
    rd.add_argument("--model", help="an .onnx model (default: the bundled model)")
    rd.add_argument("--threads", type=int, help="ONNX Runtime threads (0: its choice)")
    rd.add_argument("--batch-size", type=int, help="images per model call (default clockreader.runtime.reader.READ_BATCH, 8: "
                    "peak memory about 300 MB with the bundled 192 px ensemble)")
    rd.add_argument("--locate", choices=["auto", "always", "never"], default="auto",
                    help="find clocks in wider photos first (auto: when the clock does not fill the frame)")
    rd.add_argument("--locator", help="a locator .onnx (default: the bundled one)")
    rd.add_argument("--no-zoom", action="store_true",
                    help="skip the bundled locators' closer look (enlarged windows and the grid look) for small clocks (locating 2.5-4x faster)")
    rd.add_argument("--tta", action="store_true", help="test-time augmentation: merge 5 shifted views (5x slower)")
    rd.add_argument("--every", type=float, default=1.0, metavar="SECONDS",
                    help="videos: read one frame every SECONDS of video (default 1; 0: every frame)")
    rd.add_argument("--frames", metavar="A:B:STEP", help="videos: read these frame indices instead (e.g. 0:600:10, ::30)")
    rd.set_defaults(func=cmd_read)

    ba = sub.add_parser("batch", help="read an archive of photos and videos on Ray into Parquet shards (needs the scale extra)")
    ba.add_argument("sources", nargs="+", metavar="SOURCE",
                    help="image or video files, folders (recursive), globs, or a CSV/Parquet manifest with a 'path' column")
    ba.add_argument("--out", required=True, metavar="DIR", help="folder for the Parquet shards; a re-run skips the inputs already in it")
    ba.add_argument("--ray", metavar="ADDRESS", help="join this Ray cluster (e.g. auto, or ray://HEAD:10001; default: a local Ray on this machine's cores)")
    ba.add_argument("--workers", type=int, metavar="N", help="reader actors (default: the cluster's CPUs / --threads)")
    ba.add_argument("--batch-size", type=int, metavar="N", help="inputs per actor call, and so per shard (default: about 4 calls per actor, at most 256)")
    ba.add_argument("--threads", type=int, metavar="N", help="ONNX Runtime threads (and CPUs reserved) per actor (default 1)")
    ba.add_argument("--model", help="an .onnx model every worker can open at this path (default: the bundled model)")
    ba.add_argument("--locate", choices=["auto", "always", "never"], default="auto",
                    help="find clocks in wider photos first (auto: when the clock does not fill the frame)")
    ba.add_argument("--no-zoom", action="store_true", help="skip the bundled locators' closer look (enlarged windows and the grid look) for small clocks (faster)")
    ba.add_argument("--every", type=float, default=1.0, metavar="SECONDS",
                    help="videos: read one frame every SECONDS of video (default 1; 0: every frame)")
    ba.add_argument("--frames", metavar="A:B:STEP", help="videos: read these frame indices instead (e.g. 0:600:10, ::30)")
    ba.add_argument("--quiet", action="store_true", help="no progress from Ray Data")
    ba.set_defaults(func=cmd_batch)

    pl = sub.add_parser("pseudo-label", help="label real videos (by their steady track) and photos (where views agree) for self-training")
    pl.add_argument("sources", nargs="+", metavar="SOURCE", help="videos, photos or folders; never a set kept for validation")
    pl.add_argument("--out", required=True, help="new folder for images/ and labels.csv (train --data DIR reads it)")
    pl.add_argument("--model", help="reader .onnx (default: the bundled model)")
    pl.add_argument("--frames", default="::2", metavar="A:B:STEP", help="video frames to read and label (default ::2)")
    pl.add_argument("--threshold", type=float,
                    help="photos: the least confidence of a kept label (default clockreader.pseudo.PHOTO_THRESHOLD, chosen on the real validation sets)")
    pl.add_argument("--quiet", action="store_true")
    pl.set_defaults(func=cmd_pseudo_label)

    sv = sub.add_parser("serve", help="web page and HTTP API (needs the serve extra)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--model")
    sv.add_argument("--threads", type=int)
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("clockreader: interrupted", file=sys.stderr)
        return 130
    except (ClockReaderError, FileNotFoundError, FileExistsError, ValueError) as e:
        if args.debug:
            raise
        print(f"clockreader {args.command}: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:   # `clockreader read ... | head -1`: the reader of our output went away
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except ImportError as e:
        if args.debug:
            raise
        extra = {"uvicorn": "serve", "fastapi": "serve", "ray": "scale"}.get((e.name or "").split(".")[0], "train")
        print(f"clockreader {args.command}: {e.name or e} is missing: from the checkout, pip install -e \".[{extra}]\"", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
