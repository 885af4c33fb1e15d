"""Training images/s on this CPU for candidate backbones at 128 px, fp32 vs bf16 autocast (channels_last).

    python benchmarks/train_speed.py [arch ...]
"""

import sys
import time

import torch

from clockreader.train.model import ClockNet

ARCHS = sys.argv[1:] or ["tf_efficientnet_lite0", "convnext_atto", "regnety_004", "resnet10t"]


def main():
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch 64, 128 px, AdamW step included")
    for arch in ARCHS:
        m = ClockNet(arch).to(memory_format=torch.channels_last)
        opt = torch.optim.AdamW(m.parameters(), 1e-3)
        x = torch.randn(64, 3, 128, 128).to(memory_format=torch.channels_last)
        y = torch.randn(64, 780).softmax(1)
        params = sum(p.numel() for p in m.parameters()) / 1e6
        row = []
        for bf16 in (False, True):
            ts = []
            for _ in range(4):
                t = time.perf_counter()
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    out = m(x)
                loss = -(y * out.float().log_softmax(1)).sum(1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                ts.append(time.perf_counter() - t)
            row.append(64 / min(ts[1:]))
        print(f"{arch:<24} {params:5.1f} M params   fp32 {row[0]:6.1f} img/s   bf16 {row[1]:6.1f} img/s")


if __name__ == "__main__":
    main()
