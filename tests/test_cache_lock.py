"""Concurrent writers of one cache artifact (``harness/cache/lock.py``): the second one waits for
the first and reuses what it built, across processes (as Ray workers are)."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

from harness.cache.lock import artifact_lock
from harness.errors import HarnessError

BITEXT = [(f"news number {i} from nairobi today", f"habari namba {i} kutoka nairobi leo") for i in range(40)]


def _log(log: Path, line: str) -> None:
    with open(log, "a") as handle:  # O_APPEND: whole short lines from several processes
        handle.write(line + "\n")


def _wait_for(log: Path, line: str, timeout_s: float = 120) -> None:
    start = time.monotonic()
    while not (log.exists() and line in log.read_text().splitlines()):
        assert time.monotonic() - start < timeout_s, f"{line!r} never appeared in {log}"
        time.sleep(0.05)


def _train_student(cache: str, tiny: str, log: str, name: str, hold_s: float) -> str:
    """In a fresh process: train (or reuse) one tiny KD student, logging whether it trained."""
    os.environ["HARNESS_CACHE"] = cache
    from methods import distillation, training
    from methods.kd import kd_objective

    real = training._train

    def logged(*args, **kwargs):
        _log(Path(log), f"{name} trains")
        time.sleep(hold_s)  # hold the lock long enough for the other process to queue behind it
        return real(*args, **kwargs)

    training._train = logged
    params = dict(distillation.TRAINING_DEFAULTS) | {"steps": 4, "train_batch_size": 4, "seed": 3}
    plan = training.TrainingPlan.from_params(params)
    _log(Path(log), f"{name} starts")
    student = training.train_student("kd", kd_objective, {}, tiny, tiny, BITEXT, plan, {})
    _log(Path(log), f"{name} done")
    return str(student.folder)


def test_second_trainer_waits_and_reuses_the_student(tiny_bert, tmp_path):
    log = tmp_path / "log.txt"
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        first = pool.apply_async(_train_student, (str(tmp_path / "cache"), str(tiny_bert), str(log), "A", 3.0))
        _wait_for(log, "A trains")  # A holds the student's lock now
        second = pool.apply_async(_train_student, (str(tmp_path / "cache"), str(tiny_bert), str(log), "B", 0.0))
        folders = {first.get(timeout=300), second.get(timeout=300)}
    lines = log.read_text().splitlines()
    assert lines.count("A trains") == 1 and "B trains" not in lines, lines  # B reused A's student
    assert lines.index("B starts") < lines.index("A done") < lines.index("B done"), lines  # B waited for A
    assert len(folders) == 1 and (Path(folders.pop()) / "config.json").is_file()


def _build_once(target: str, log: str) -> None:
    path = Path(target)
    if not path.exists():
        with artifact_lock(path):
            if not path.exists():
                _log(Path(log), f"built by {os.getpid()}")
                time.sleep(0.5)
                tmp = path.with_suffix(".tmp")
                tmp.write_text("artifact\n")
                tmp.rename(path)


def test_many_processes_build_one_artifact_once(tmp_path):
    log, target = tmp_path / "log.txt", tmp_path / "artifact.txt"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.starmap(_build_once, [(str(target), str(log))] * 4)
    assert len(log.read_text().splitlines()) == 1 and target.read_text() == "artifact\n"


def test_a_lock_dies_with_its_holder(tmp_path):
    target = tmp_path / "artifact"
    process = multiprocessing.get_context("spawn").Process(target=_hold_and_die, args=(str(target),))
    process.start()
    process.join(60)
    assert process.exitcode == -9  # killed while holding the lock
    with artifact_lock(target, timeout_s=5):  # free at once: no stale lock after kill -9
        pass


def _hold_and_die(target: str) -> None:
    import signal

    with artifact_lock(target):
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_held_lock_times_out_with_one_line(tmp_path):
    target = tmp_path / "artifact"
    with artifact_lock(target):
        process = multiprocessing.get_context("spawn").Process(target=_try_lock, args=(str(target), str(tmp_path / "err")))
        process.start()
        process.join(60)
    assert "another process has held" in (tmp_path / "err").read_text() and "artifact.lock" in (tmp_path / "err").read_text()


def _try_lock(target: str, err: str) -> None:
    try:
        with artifact_lock(target, timeout_s=0.5):
            pass
    except HarnessError as exc:
        Path(err).write_text(str(exc))


def test_a_released_lock_can_be_taken_again_at_once(tmp_path):
    target = tmp_path / "artifact"
    with artifact_lock(target, timeout_s=1.0):
        pass
    with artifact_lock(target, timeout_s=1.0):  # a lock left held would time out here
        pass
