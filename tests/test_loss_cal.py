"""Contrastive cross-lingual alignment loss (methods/losses/cal.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.special import logsumexp

from methods.losses import cal_loss
from methods.losses.cal import DIRECTIONS


def _hand_cross_entropy(cosines: list[list[float]], temperature: float) -> float:
    """Mean over rows of -log softmax(row / temperature)[own index], in plain floats."""
    total = 0.0
    for own, row in enumerate(cosines):
        logits = [c / temperature for c in row]
        total += -logits[own] + math.log(sum(math.exp(x) for x in logits))
    return total / len(cosines)


def test_student_to_teacher_equals_hand_computed_cross_entropy_3x3():
    # Norms differ on purpose: the loss must only see directions (cosine similarity).
    student_target = torch.tensor([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    teacher_english = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 5.0]])
    r = 1 / math.sqrt(2)
    cosines = [
        [1.0, r, 0.0],  # (1, 0)   vs (1, 0), (r, r), (0, 1)
        [0.0, r, 1.0],  # (0, 1)   -- its own translation is not its nearest: a real error
        [r, 1.0, r],  # (r, r)
    ]
    for temperature in (0.5, 0.05):
        expected = _hand_cross_entropy(cosines, temperature)
        got = cal_loss(student_target, teacher_english, temperature=temperature, direction="student-to-teacher").item()
        assert got == pytest.approx(expected, rel=1e-5)


def test_lower_when_aligned_than_shuffled():
    torch.manual_seed(0)
    teacher_english = torch.randn(16, 32)
    student_target = teacher_english + 0.1 * torch.randn(16, 32)
    aligned = cal_loss(student_target, teacher_english)
    shuffled = cal_loss(student_target.roll(1, dims=0), teacher_english)
    assert aligned < shuffled
    assert aligned.item() < 0.01  # every row picks its own translation with high confidence


def test_temperature_is_respected():
    torch.manual_seed(1)
    student_target = torch.randn(6, 8)
    teacher_english = torch.randn(6, 8)
    cosines = F.normalize(student_target, dim=-1) @ F.normalize(teacher_english, dim=-1).T
    own = torch.arange(6)
    for temperature in (1.0, 0.2, 0.05):
        expected = F.cross_entropy(cosines / temperature, own)
        got = cal_loss(student_target, teacher_english, temperature=temperature, direction="student-to-teacher")
        torch.testing.assert_close(got, expected)
        # teacher-to-student: the teacher's English vector is the anchor, so the columns are the rows
        got = cal_loss(student_target, teacher_english, temperature=temperature, direction="teacher-to-student")
        torch.testing.assert_close(got, F.cross_entropy(cosines.T / temperature, own))
    # A different temperature really gives a different loss.
    assert cal_loss(student_target, teacher_english, temperature=1.0) != cal_loss(student_target, teacher_english)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_gradient_reaches_student_not_teacher(direction):
    torch.manual_seed(2)
    student_target = torch.randn(4, 8, requires_grad=True)
    teacher_english = torch.randn(4, 8, requires_grad=True)
    cal_loss(student_target, teacher_english, direction=direction).backward()
    assert teacher_english.grad is None
    assert student_target.grad is not None and student_target.grad.abs().sum() > 0


def test_float32_logits_under_autocast():
    # Under bf16 autocast a plain matmul would round the cosines to ~3 digits: 0.4 in the logits at τ = 0.01.
    torch.manual_seed(5)
    student_target, teacher_english = torch.randn(16, 64), torch.randn(16, 64)
    expected = cal_loss(student_target, teacher_english, 0.01)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = cal_loss(student_target, teacher_english, 0.01)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, expected)


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="one shape"):
        cal_loss(torch.randn(4, 8), torch.randn(5, 8))
    with pytest.raises(ValueError, match="temperature"):
        cal_loss(torch.randn(4, 8), torch.randn(4, 8), temperature=0.0)
    with pytest.raises(ValueError, match="teacher-to-student, student-to-teacher, symmetric"):
        cal_loss(torch.randn(4, 8), torch.randn(4, 8), direction="both")


# --- direction -------------------------------------------------------------------------
#
# A 2x2 example by hand.  Student target vectors s_1 = (1, 0), s_2 = (0, 1); teacher English
# vectors h_1 = (1, 0), h_2 = (0.6, 0.8) (unit norm).  Cosines C[b, c] = <s_b, h_c>:
#     C = [[1.0, 0.6],
#          [0.0, 0.8]]
# student-to-teacher (anchor s_b, candidates h_c: rows):
#     1/2 * [ (LSE(1, 0.6)/τ - 1/τ) + (LSE(0, 0.8)/τ - 0.8/τ) ]
# teacher-to-student (anchor h_c, candidates s_b: columns):
#     1/2 * [ (LSE(1, 0)/τ - 1/τ) + (LSE(0.6, 0.8)/τ - 0.8/τ) ]
# The two differ because C is not symmetric: s_2 is far from h_1 (0.0), while h_2 is close to s_1 (0.6).

STUDENT_2X2 = torch.tensor([[2.0, 0.0], [0.0, 0.5]])  # norms differ on purpose: only directions count
TEACHER_2X2 = torch.tensor([[3.0, 0.0], [0.6, 0.8]])
COSINES_2X2 = np.array([[1.0, 0.6], [0.0, 0.8]])


def _by_hand(temperature: float) -> dict[str, float]:
    logits = COSINES_2X2 / temperature
    rows = np.mean([logsumexp(logits[b]) - logits[b, b] for b in range(2)])
    columns = np.mean([logsumexp(logits[:, c]) - logits[c, c] for c in range(2)])
    return {"student-to-teacher": rows, "teacher-to-student": columns, "symmetric": (rows + columns) / 2}


@pytest.mark.parametrize("temperature", [1.0, 0.1, 0.05, 0.02])
def test_directions_equal_hand_computed_2x2(temperature):
    expected = _by_hand(temperature)
    # the three values really differ, so the test can tell the directions apart
    assert len({round(v, 6) for v in expected.values()}) == 3
    for direction in DIRECTIONS:
        got = cal_loss(STUDENT_2X2, TEACHER_2X2, temperature=temperature, direction=direction).item()
        assert got == pytest.approx(expected[direction], rel=1e-5, abs=1e-6), direction  # float32 vs float64


def test_2x2_literal_values_at_temperature_one():
    # Written out with math only: LSE(a, b) = log(e^a + e^b).
    rows = ((math.log(math.e + math.exp(0.6)) - 1) + (math.log(1 + math.exp(0.8)) - 0.8)) / 2
    columns = ((math.log(math.e + 1) - 1) + (math.log(math.exp(0.6) + math.exp(0.8)) - 0.8)) / 2
    assert cal_loss(STUDENT_2X2, TEACHER_2X2, 1.0, "student-to-teacher").item() == pytest.approx(rows, rel=1e-6)
    assert cal_loss(STUDENT_2X2, TEACHER_2X2, 1.0, "teacher-to-student").item() == pytest.approx(columns, rel=1e-6)


def test_teacher_to_student_is_student_to_teacher_of_the_transpose():
    # Swapping the roles of the two inputs transposes the logits.  The teacher input is detached,
    # so compare values only.
    torch.manual_seed(3)
    a, b = torch.randn(8, 16), torch.randn(8, 16)
    for temperature in (0.5, 0.05):
        torch.testing.assert_close(
            cal_loss(a, b, temperature, "teacher-to-student"), cal_loss(b, a, temperature, "student-to-teacher")
        )


def test_symmetric_is_mean_of_the_two_directions():
    torch.manual_seed(4)
    student_target, teacher_english = torch.randn(8, 16), torch.randn(8, 16)
    for temperature in (0.5, 0.05):
        one = cal_loss(student_target, teacher_english, temperature, "teacher-to-student")
        other = cal_loss(student_target, teacher_english, temperature, "student-to-teacher")
        both = cal_loss(student_target, teacher_english, temperature, "symmetric")
        torch.testing.assert_close(both, (one + other) / 2)


def test_teacher_to_student_pushes_other_passages_away_from_the_query():
    # Retrieval's direction: for a fixed teacher query, the gradient moves the competing student
    # vectors (other columns of that query's softmax), which student-to-teacher's rows do not see.
    student_target = torch.tensor([[1.0, 0.0], [0.9, 0.1]], requires_grad=True)
    teacher_english = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    cal_loss(student_target, teacher_english, 0.05, "teacher-to-student").backward()
    grad = student_target.grad.clone()
    # s_2 sits close to h_1, whose own translation is s_1: descending the gradient moves s_2 away
    # from h_1 (its first coordinate falls) and towards h_2.
    assert grad[1, 0] > 0 and grad[1, 1] < 0


# --- the registry entry (methods/cal.py) -------------------------------------------------


def test_registry_defaults_and_cache_key_include_direction():
    import inspect

    from harness.registry import METHODS
    from methods.cal import ContrastiveAlignment

    defaults = METHODS["cal"].defaults
    assert defaults["direction"] in DIRECTIONS and defaults["temperature"] > 0
    assert {"direction", "temperature"} <= set(ContrastiveAlignment.objective_keys)
    # The loss function's own defaults are the method's (chosen on validation bitext, not on NTREX).
    signature = inspect.signature(cal_loss).parameters
    assert signature["direction"].default == defaults["direction"]
    assert signature["temperature"].default == defaults["temperature"]


def test_objective_passes_direction_and_temperature():
    from methods.cal import cal_objective
    from methods.training import EncodedBatch

    def batch(pooled):
        return EncodedBatch(pooled, pooled[:, None, :], torch.ones(pooled.shape[0], 1))

    for direction in DIRECTIONS:
        got = cal_objective(batch(TEACHER_2X2), batch(STUDENT_2X2), None, {"direction": direction, "temperature": 0.1})
        torch.testing.assert_close(got, cal_loss(STUDENT_2X2, TEACHER_2X2, 0.1, direction))


def test_unknown_direction_is_refused_when_parameters_are_parsed():
    from harness.errors import UsageError
    from harness.method.params import PARAMETERS
    from harness.registry import METHODS

    assert PARAMETERS["direction"].choices == DIRECTIONS
    with pytest.raises(UsageError, match="teacher-to-student, student-to-teacher, symmetric"):
        METHODS["cal"].parameters({"direction": "both"})
    for direction in DIRECTIONS:
        assert METHODS["cal"].parameters({"direction": direction})["direction"] == direction


def test_each_direction_trains_its_own_cached_student(tiny_bert):
    from harness.registry import METHODS
    from methods.cal import cal_objective
    from methods.training import TrainingPlan, train_student

    bitext = [(f"news number {i} from nairobi today", f"habari namba {i} kutoka nairobi leo") for i in range(16)]
    params = dict(METHODS["cal"].defaults) | {"steps": 2, "train_batch_size": 4, "checkpoint_every": 2}
    plan = TrainingPlan.from_params(params)
    model = str(tiny_bert)
    students = [
        train_student("cal", cal_objective, {"temperature": 0.05, "direction": d}, model, model, bitext, plan, {})
        for d in DIRECTIONS
    ]
    assert len({s.folder for s in students}) == 3
    assert students[0].losses != students[1].losses
