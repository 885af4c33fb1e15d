"""Videos: PyAV decoding, the steady track that wraps at 12 h, `read VIDEO`, damaged files and video sets."""

import json
import subprocess
import sys

import numpy as np
import pytest

from clockreader import load_reader, render_clock
from clockreader.errors import InvalidVideoError
from clockreader.time import ClockTime, circular_diff
from clockreader.track import fit_track
from clockreader.video import iter_frames, parse_frames, video_info
from conftest import write_clock_video

START, RATE, N, FPS = 700, 3, 24, 10   # 11:40, three clock minutes per frame: the track crosses 12:00


@pytest.fixture(scope="module")
def timelapse(tmp_path_factory):
    return write_clock_video(tmp_path_factory.mktemp("video") / "lapse.mp4", [(START + RATE * k) % 720 for k in range(N)])


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "clockreader", *args], capture_output=True, timeout=300)


def test_track_recovers_start_and_rate_across_12():
    f = np.arange(0, 200, 2)
    m = (650 + 1.7 * f) % 720
    rng = np.random.default_rng(0)
    noisy = (m + rng.integers(-1, 2, len(f))) % 720
    bad = rng.choice(len(f), 30, replace=False)            # 30% of the readings wrong by hours
    noisy[bad] = (noisy[bad] + rng.integers(60, 660, 30)) % 720
    t = fit_track(f, noisy)
    assert t.steady and abs(t.rate - 1.7) < 0.01 and circular_diff(t.start, 650) < 1.5
    assert t.inliers.sum() >= 65 and not t.inliers[bad].any()
    assert circular_diff(t.minutes_at(f), m).max() < 1.5


def test_track_of_a_clock_that_barely_moves_and_of_noise():
    f = np.arange(0, 300, 30)                                  # ten seconds of ordinary footage at 30 fps
    t = fit_track(f, [195, 195, 195, 196, 195, 196, 196, 196, 196, 196], fps=30)
    assert t.steady and abs(t.rate) < 0.01 and abs(t.rate_per_second) < 0.3 and str(t.time_at(0)) == "3:15"
    noise = fit_track(np.arange(40), np.random.default_rng(1).integers(0, 720, 40))
    assert not noise.steady and "no steady track fits" in noise.summary()
    with pytest.raises(ValueError, match="one length"):
        fit_track([1, 2, 3], [1, 2])


def test_parse_frames():
    assert parse_frames("::10") == slice(0, None, 10) and parse_frames("5") == slice(5, 6, 1)
    for bad in ("a:b", "1:2:0", "-1:5", "1:2:3:4"):
        with pytest.raises(ValueError, match="--frames"):
            parse_frames(bad)


def test_frames_decoded_in_order_with_times(timelapse):
    info = video_info(timelapse)
    assert (info.width, info.height, info.frames) == (256, 256, N) and abs(info.fps - FPS) < 1e-6
    every = [(i, round(t, 2)) for i, t, _ in iter_frames(timelapse, every=0.5)]
    assert every == [(i, i / FPS) for i in range(0, N, 5)]
    picked = [i for i, _, im in iter_frames(timelapse, frames=parse_frames("3:20:4"))]
    assert picked == [3, 7, 11, 15, 19]


def test_read_video_recovers_the_rendered_track(timelapse):
    video = load_reader().read_video(timelapse, every=None)
    assert len(video.frames) == N and video.error is None
    t = video.track
    assert t.steady and t.inlier_share >= 0.75, t.summary()
    assert abs(t.rate - RATE) < 0.1 and circular_diff(t.start, START) <= 2, t.to_dict()
    assert abs(t.rate_per_second - RATE * FPS) < 1
    truth = [(START + RATE * f.frame) % 720 for f in video.frames]
    smooth = [s.index720 for s in video.smoothed()]
    assert max(circular_diff(smooth, truth)) <= 2


def test_cli_reads_a_video_frame_by_frame_then_the_track(timelapse):
    r = _cli("read", str(timelapse), "--every", "0.5", "--json")
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert r.returncode == 0, r.stderr.decode()
    frames, track = rows[:-1], rows[-1]
    assert [x["frame"] for x in frames] == [0, 5, 10, 15, 20] and [x["t"] for x in frames] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert all({"time", "confidence", "error"} <= set(x) for x in frames)
    assert track["track"]["steady"] and abs(track["track"]["rate_minutes_per_frame"] - RATE) < 0.2
    assert len(track["smoothed"]) == 5 and track["error"] is None
    text = _cli("read", str(timelapse), "--frames", "0:24:6").stdout.decode().splitlines()
    assert text[0].startswith(f"{timelapse} frame 0 (0.00 s)  ") and "steady track" in text[-1]
    assert _cli("read", str(timelapse), "--frames", "1:2:0").returncode == 2


def test_damaged_and_fake_videos_get_one_error_line(timelapse, tmp_path):
    data = timelapse.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    fake = tmp_path / "notes.mkv"
    fake.write_text("this is not a video\n")
    with pytest.raises(InvalidVideoError, match="cut.mp4"):
        list(iter_frames(cut, every=None))
    r = _cli("read", str(cut), str(fake), str(timelapse), "--frames", "0:1")
    err = r.stderr.decode()
    assert r.returncode == 1 and "Traceback" not in err
    assert "cut.mp4:" in err and "notes.mkv: cannot open video" in err
    assert r.stdout.decode().startswith(f"{timelapse} frame 0 ")        # the rest of the batch went on


def test_midway_truncation_keeps_the_frames_before_it(tmp_path):
    """A Matroska file cut in the middle: the frames before the cut are read, then one error."""
    path = write_clock_video(tmp_path / "lapse.mkv", [(START + RATE * k) % 720 for k in range(N)], codec="mpeg4")
    data = path.read_bytes()
    (tmp_path / "half.mkv").write_bytes(data[: int(len(data) * 0.6)])
    video = load_reader().read_video(tmp_path / "half.mkv", every=None)
    assert 3 <= len(video.frames) < N
    r = _cli("read", str(tmp_path / "half.mkv"), "--json", "--every", "0")
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert r.returncode == 1 and 3 <= len(rows) - 1 < N and rows[-1]["error"]


def test_video_set_scores_raw_and_tracked_per_video(timelapse, tmp_path):
    import shutil

    shutil.copy(timelapse, tmp_path / "a.mp4")
    (tmp_path / "videos.csv").write_text("video,frames\na.mp4,24\n")
    rows = ["video,frame,hour,minute,second"]
    for k in range(N):
        t = ClockTime.from_index720((START + RATE * k) % 720)
        rows.append(f"a.mp4,{k},{t.hour},{t.minute},0")
    (tmp_path / "frames.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "r.json"
    r = _cli("test", str(tmp_path), "--tolerance", "2", "--frames", "::2", "--quiet", "--json", str(out))
    assert r.returncode == 0, r.stderr.decode()
    v = json.loads(out.read_text())["figures"]["videos"]["a.mp4"]
    assert v["frames"] == 12 and v["tracked_correct"] == 12 and v["raw_correct"] >= 9 and v["track"]["steady"]
    assert "a.mp4" in r.stdout.decode() and "12/12" in r.stdout.decode()
    strict = _cli("test", str(tmp_path), "--tolerance", "0", "--frames", "::2", "--quiet", "--json", str(out))
    assert json.loads(out.read_text())["figures"]["tolerance_minutes"] == 0 and strict.returncode == 0


def test_plain_slices_and_a_video_with_audio(timelapse, tmp_path):
    assert [i for i, _, _ in iter_frames(timelapse, frames=slice(0, 5))] == [0, 1, 2, 3, 4]
    assert [i for i, _, _ in iter_frames(timelapse, frames=slice(None, 5, 2))] == [0, 2, 4]
    import av

    path = tmp_path / "talk.mkv"     # 1 s of video and 3 s of sound: whole, though the container runs longer
    with av.open(str(path), "w") as out:
        v, a = out.add_stream("mpeg4", rate=10), out.add_stream("aac", rate=16000)
        v.width = v.height = 64
        v.pix_fmt = "yuv420p"
        for k in range(10):
            for p in v.encode(av.VideoFrame.from_image(render_clock(seed=k, size=64).image)):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        samples = np.zeros((1, 1024), np.float32)
        for k in range(47):
            fr = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            fr.sample_rate, fr.pts = 16000, k * 1024
            for p in a.encode(fr):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    assert len(list(iter_frames(path, every=None))) == 10


def test_videos_keep_their_place_among_photos_and_a_bad_frame_is_the_videos_error(timelapse, tmp_path):
    import av
    from PIL import Image

    strip = tmp_path / "strip.mp4"          # frames of 320x12: no photo reader takes them
    with av.open(str(strip), "w") as out:
        st = out.add_stream("libx264", rate=5)
        st.width, st.height, st.pix_fmt = 320, 12, "yuv420p"
        for k in range(3):
            for p in st.encode(av.VideoFrame.from_image(Image.new("RGB", (320, 12), (80 * k, 0, 0)))):
                out.mux(p)
        for p in st.encode():
            out.mux(p)
    photo = tmp_path / "c.png"
    render_clock(seed=1, size=160).image.save(photo)
    r = _cli("read", str(photo), str(strip), str(timelapse), str(photo), "--frames", "0:1", "--json")
    rows = [json.loads(x) for x in r.stdout.decode().splitlines()]
    paths = [x["path"] for x in rows if "track" not in x]
    assert paths == [str(photo), str(strip), str(timelapse), str(photo)], paths
    bad = [x for x in rows if x["path"] == str(strip)][0]
    assert bad["status"] == "error" and "strip.mp4: frame 0: extreme aspect ratio" in bad["error"]
    assert r.returncode == 1


def test_pseudo_labels_of_a_video_come_from_its_track(timelapse, tmp_path):
    import csv

    from clockreader.pseudo import cap_per_class, pseudo_label

    c = pseudo_label([str(timelapse)], tmp_path / "pl", frames=parse_frames("::2"), progress=False)
    rows = list(csv.DictReader((tmp_path / "pl" / "labels.csv").open()))
    assert c["videos_kept"] == 1 and c["frames_kept"] == len(rows) == N // 2
    for r in rows:     # every frame labelled by the track, within 2 minutes of what was rendered
        true = (START + RATE * int(r["frame"])) % 720
        assert circular_diff(ClockTime(int(r["hour"]), int(r["minute"])).index720, true) <= 2
    assert sorted(p.name for p in (tmp_path / "pl" / "images").iterdir()) == sorted(r["path"].split("/")[-1] for r in rows)
    with pytest.raises(FileExistsError):
        pseudo_label([str(timelapse)], tmp_path / "pl", progress=False)
    many = [{"kind": "pseudo photo", "hour": 10, "minute": 10, "confidence": str(c)} for c in range(20)]
    kept = cap_per_class(many + [{"kind": "pseudo video", "hour": 10, "minute": 10, "confidence": "0"}], cap=8)
    assert [r["confidence"] for r in kept if r["kind"] == "pseudo photo"] == [str(c) for c in range(12, 20)]
    assert kept[-1]["kind"] == "pseudo video"
