import numpy as np
import pytest

from clockreader.decode import decode, joint_log_probs, soft_targets, top_k_indices
from clockreader.metrics import abs_error, error_kinds, evaluate, expected_calibration_error, seed_report, seed_score
from clockreader.time import ClockTime

T = lambda s: ClockTime.parse(s).index720  # noqa: E731


def test_wrap_over_12_hours():
    assert abs_error([T("12:59")], [T("1:00")])[0] == 1
    assert abs_error([T("11:59")], [T("12:00")])[0] == 1
    assert abs_error([T("6:00")], [T("12:00")])[0] == 360


def test_seed_score_half_credit():
    true = [T("3:25"), T("3:25"), T("3:25"), T("3:25")]
    pred = [T("3:26"),  # both hands right (+-1 min)
            T("3:40"),  # hour right only
            T("7:25"),  # minute right only
            T("8:50")]  # neither
    assert seed_score(true, pred) == pytest.approx((1 + 0.5 + 0.5 + 0) / 4 * 100)
    # on 5-minute labels the minute hand is right when the 5-minute class agrees
    assert seed_score([T("3:25")], [T("3:29")], five_minute=True) == 100
    assert seed_score([T("3:25")], [T("3:30")], five_minute=True) == 50


def test_144_class_report():
    true = [T("1:00"), T("1:03"), T("12:55"), T("3:25")]
    pred = [T("1:04"), T("1:05"), T("12:59"), T("3:20")]
    text, d = seed_report(true, pred)
    assert "1-00" in text and "12-55" in text
    assert d["accuracy"] == pytest.approx(0.5)


def test_error_kinds():
    true = np.array([T("10:10"), T("3:00"), T("2:00"), T("4:50"), T("1:20")])
    pred = np.array([T("2:50"),    # hands swapped: hour hand read as minute and vice versa
                     T("6:15"),    # dial read 90 degrees rotated (hour +3 h, minute +15)
                     T("10:00"),   # mirror image of 2:00
                     T("5:50"),    # one hour off near the full hour
                     T("1:21")])   # right
    k = error_kinds(true, pred)
    assert k["hand_swap"].tolist() == [True, False, False, False, False]
    assert k["rotated_12"].tolist() == [False, True, False, False, False]
    assert k["mirror"].tolist() == [False, False, True, False, False]
    assert k["off_by_one_hour_near_full_hour"].tolist() == [False, False, False, True, False]


def test_evaluate_figures_and_groups():
    true = np.array([T("1:00"), T("2:30"), T("9:15"), T("9:15")])
    pred = np.array([T("1:01"), T("2:30"), T("3:45"), T("9:16")])
    top3 = np.array([[p, 0, 0] for p in pred])
    top3[2, 1] = T("9:14")
    f = evaluate(true, pred, top3=top3, confidence=[0.9, 0.9, 0.9, 0.9], unsure=[False, False, True, False],
                 groups=["a", "a", "b", "b"])
    assert f["field"]["top1_within_1min"] == 0.75 and f["field"]["top3_within_1min"] == 1.0
    assert f["groups"]["b"] == {"count": 2, "top1_within_1min": 0.5, "correct": 1, "hour_accuracy": 0.5, "seed_score": 50.0}
    assert f["unsure"] == {"count": 1, "accuracy_of_sure": 1.0}
    assert f["calibration"]["ece"] == pytest.approx(0.15)
    assert f["errors"]["hand_swap"] == 1


def test_ece_perfectly_calibrated_is_zero():
    assert expected_calibration_error([1.0, 1.0, 0.0], [1, 1, 0]) == 0


def test_joint_decoding_keeps_hour_consistent_with_hour_hand():
    # 2:58: the hour head puts the hour hand just before 3 (t = 178), the minute head says 58.
    logits = np.full((1, 780), -10.0)
    logits[0, 170:180] = 5.0          # hour hand around 2:50-2:59
    logits[0, 180:186] = 4.5          # a little mass just past 3
    logits[0, 720 + 58] = 8.0         # minute 58
    best, conf, alts = decode(logits)
    assert str(ClockTime.from_index720(best[0])) == "2:58"
    assert 0 < conf[0] <= 1 and alts.shape == (1, 2, 2)
    assert top_k_indices(logits, 3)[0, 0] == best[0]
    p = np.exp(joint_log_probs(logits))
    assert p.sum() == pytest.approx(1.0)


def test_soft_targets_are_distributions_centred_on_the_time():
    th, tm = soft_targets(np.array([T("3:25") + 0.5, 719.9]))
    assert th.shape == (2, 720) and tm.shape == (2, 60)
    assert np.allclose(th.sum(1), 1) and np.allclose(tm.sum(1), 1)
    assert th[0].argmax() == T("3:25") and tm[0].argmax() == 25
    assert tm[1].argmax() == 59 and tm[1, 0] > tm[1, 30]   # wraps at the hour
    assert th[1, 0] > th[1, 360]                             # wraps at 12
