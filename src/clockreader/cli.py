"""The ``clockreader`` command: a thin adapter over the library. Heavy subcommands import lazily, so
``--help`` and ``--version`` are instant. Errors print one line to stderr (exit 1 runtime, 2 usage);
``--debug`` shows the traceback."""

from __future__ import annotations

import argparse
import logging
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
    p.add_argument("--out", help="output folder (default runs/model)")


def _train_config(args):
    from dataclasses import replace

    from .train.learner import PRESETS

    cfg = PRESETS[args.preset]
    over = {k: getattr(args, k) for k in ("arch", "pretrained", "size", "resize", "epochs", "epoch_size", "valid_size",
                                          "bs", "lr", "seed", "workers", "device", "bf16", "full_rotation", "out")
            if getattr(args, k, None) is not None}
    if args.data:
        over["data"] = tuple(args.data)
    if over.get("pretrained") == "none":
        over["pretrained"] = None
    return replace(cfg, **over)


def _check_size(v: int | None) -> None:
    if v is not None and not 32 <= v <= 1024:
        raise SystemExit(2)


def cmd_train(args) -> int:
    from pathlib import Path

    from .train.learner import train

    cfg = _train_config(args)
    for src in cfg.data:
        if src != "synthetic" and not Path(src).exists():
            print(f"clockreader train: --data {src}: no such file or folder", file=sys.stderr)
            return 2
    cfg = type(cfg)(**{**cfg.__dict__, "resume": args.resume})
    spec = train(cfg, command="clockreader " + " ".join(shlex.quote(a) for a in sys.argv[1:]))
    print(f"saved {cfg.out}/model.onnx, model.safetensors, model.json; valid: "
          + ", ".join(f"{k} {v:.4f}" for k, v in spec.metrics.get("valid", {}).items()))
    return 0


def cmd_lr_find(args) -> int:
    from .train.learner import lr_find

    cfg = _train_config(args)
    res = lr_find(cfg, args.plot)
    print(f"suggested learning rate (valley): {res['valley']:.2e}; plot saved to {args.plot}")
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

    lf = sub.add_parser("lr-find", help="run fastai's learning-rate finder and save the plot")
    _add_train_args(lf)
    lf.add_argument("--plot", default="lr_find.png", help="where to save the plot (default lr_find.png)")
    lf.set_defaults(func=cmd_lr_find)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("clockreader: interrupted", file=sys.stderr)
        return 130
    except (ClockReaderError, FileNotFoundError, ValueError) as e:
        if args.debug:
            raise
        print(f"clockreader {args.command}: {e}", file=sys.stderr)
        return 1
    except ImportError as e:
        if args.debug:
            raise
        print(f"clockreader {args.command}: {e.name or e} is missing: pip install \"clockreader[train]\"", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
