"""``--executor ray``: each (collection, pair, method) cell of a run is a Ray task.

- A cell asks Ray for one CPU, and for the profile's GPUs (``Profile.gpus``) when its method
  marks encoding as accelerated (``MethodSpec.accelerated``); the paper profile asks for one.
- Work that several cells share (a distilled student trained once for every pair,
  ``Retriever.shared_work``) is one task; the cells that need it take its object reference as an
  argument, so Ray starts them when it is done (no polling).
- Workers compute; the driver writes.  A task returns the ranking, the artifacts' bytes and the
  provenance; the driver writes the run file, the artifacts and the sidecar (each atomically, the
  sidecar last), then scores and the board, as with ``--executor local``.  A worker killed
  mid-cell therefore leaves no file under the results folder; the caches it was writing are
  built under a lock into temporary names (``harness/cache/lock.py``), so a rerun reuses what
  was finished and rebuilds the rest.
- A fusion reads its members' saved runs, so fusion cells are submitted after every other cell
  has been written.

Workers must see the same ``$HARNESS_CACHE``, data mirror and results folder as the driver (one
machine, or a shared filesystem on a cluster); each task runs with the driver's harness
environment variables (``ENV_PREFIXES``), and checks that it reads the same queries and qrels
as the driver (sha256).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.data.collections import CollectionSpec, Topics, load_topics
from harness.errors import HarnessError
from harness.method import MethodSpec
from harness.models.resolve import quiet_optional_kernel_logs
from harness.executors.cells import CellResult, Outcome, cell_record, make_retriever, report_outcome, retrieve_cell, reusable, write_cell
from harness.executors.environment import harness_environment, task_environment
from harness.method.profiles import get_profile
from methods.training import TRAIN_THREADS_ENV, training_threads


def resources(spec: MethodSpec, params: Mapping[str, Any], step: str, sharded: bool = False,
              train_cpus: int = 1) -> dict[str, float]:
    """What one task of ``spec`` asks Ray for: ``step`` is "training" or "encoding".

    ``sharded``: the cell's collection is encoded by Ray Data actors, which take the GPUs; the
    cell itself keeps one CPU (lent to the actors while it waits for them).  ``train_cpus``: the
    CPUs of a training task without a GPU (as many as it runs threads).
    """
    gpus = get_profile(params["profile"]).gpus if "profile" in params else 0
    gpus = gpus if step in spec.accelerated and not sharded else 0
    return {"num_cpus": train_cpus if step == "training" and not gpus else 1, "num_gpus": gpus}


def worker_topics(collection: CollectionSpec, run: Sequence[Topics], pair_name: str) -> tuple[Topics, tuple[Topics, ...]]:
    """The run's topics as the worker reads them; a HarnessError if they differ from the driver's."""
    mine = []
    for driver in run:
        topics = load_topics(collection, driver.pair)
        if (topics.queries_sha256, topics.qrels_sha256) != (driver.queries_sha256, driver.qrels_sha256):
            raise HarnessError(
                f"a Ray worker on {os.uname().nodename} reads other queries or qrels for {driver.dataset_id} than the "
                "driver (sha256); give every node the same data mirror and HARNESS_CACHE"
            )
        mine.append(topics)
    run_here = tuple(mine)
    return next(t for t in run_here if t.pair.name == pair_name), run_here


def shared_task(env, spec, collection, run, pair_name, params, out) -> str:
    """Do one cell's shared work (train its student) in the cache; returns the key when done."""
    with task_environment(env):
        quiet_optional_kernel_logs()
        topics, run_here = worker_topics(collection, run, pair_name)
        retriever = make_retriever(spec, topics, params, Path(out), run_here)
        retriever.do_shared_work(topics)
        return retriever.shared_work(topics)


def cell_task(env, spec, collection, run, pair_name, params, depth, out, record, shard_passages, *shared) -> CellResult:
    """Retrieve one cell on a worker (``shared``: the finished shared work it waited for)."""
    from harness.executors import sharded_encode

    with task_environment(env):
        quiet_optional_kernel_logs()
        topics, run_here = worker_topics(collection, run, pair_name)
        retriever = make_retriever(spec, topics, params, Path(out), run_here)
        with sharded_encode.enabled(shard_passages, resources(spec, params, "encoding"), env):
            result = retrieve_cell(retriever, topics, depth, record)
    if result.status == "ran":
        result.used.setdefault("executor", {"name": "ray", "node": os.uname().nodename})
    return result


class RayExecutor:
    """Runs the cells of ``harness.executors.local.run_all`` on Ray (``--executor ray``).

    ``address``: a running cluster (``auto``, ``ray://host:10001``, ``host:6379``); None starts a
    local instance for this run (``num_cpus``: its CPUs, None: all) and stops it afterwards.
    ``max_retries``: Ray's retries of a task whose worker died (3 is Ray's default).
    ``shard_passages``: collections with more passages than this are encoded in shards of this
    many by Ray Data actors (``sharded_encode.py``); None: ``sharded_encode.DEFAULT_SHARD``.
    """

    def __init__(self, address: str | None = None, num_cpus: int | None = None, max_retries: int = 3,
                 shard_passages: int | None = None):
        from harness.executors import sharded_encode

        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.shard_passages = shard_passages or sharded_encode.DEFAULT_SHARD

    def connect(self):
        """Ray, connected: to ``address``, to a new local instance, or (from Python) to the one already
        initialised in this process, which is then left running.  Returns (ray, whether we started it)."""
        import logging

        import ray

        if ray.is_initialized():
            return ray, False
        options = {"logging_level": logging.ERROR, "log_to_driver": True}  # not Ray's start-up notices
        if self.address is None:
            options |= {"num_cpus": self.num_cpus, "include_dashboard": False}
        else:
            check_reachable(self.address)
        try:
            ray.init(address=self.address, **options)
        except (ConnectionError, TimeoutError, RuntimeError) as exc:
            raise HarnessError(f"cannot reach the Ray cluster at {self.address}: {_first_line(exc)}") from None
        return ray, True

    def run_grid(self, collection: CollectionSpec, cells, depth: int, out: Path, force: bool, run, report) -> list[Outcome]:
        quiet_optional_kernel_logs()  # the driver imports transformers too (a cell's resolved settings)
        self._ray, self._started = None, False  # connected on the first cell that needs computing
        try:
            first = [c for c in cells if "runs" not in c[0].needs]
            later = [c for c in cells if "runs" in c[0].needs]  # fusions read their members' written runs
            outcomes = self._phase(collection, first, depth, out, force, run, report)
            outcomes |= self._phase(collection, later, depth, out, force, run, report)
        finally:
            if self._started:
                self._ray.shutdown()
        failed = [o for o in outcomes.values() if o.status == "failed"]
        if failed:
            lines = "; ".join(f"{o.method} on {o.pair}: {o.reason}" for o in failed)
            raise HarnessError(f"{len(failed)} cell(s) failed on Ray ({lines}); the finished cells are written, "
                               "rerun the same command to complete the rest")
        return [outcomes[id(cell)] for cell in cells]

    def _phase(self, collection, cells, depth, out, force, run, report) -> dict:
        outcomes, todo = {}, []
        for cell in cells:  # reuse is decided here, before Ray is started or asked for anything
            spec, topics, params = cell
            retriever = make_retriever(spec, topics, params, out, run)
            record = cell_record(spec, topics, params, depth, retriever)
            if reusable(record, topics, out, force):
                outcomes[id(cell)] = Outcome(topics.pair.name, spec.name, "reused")
                report_outcome(outcomes[id(cell)], report)
            else:
                todo.append((cell, retriever, record))
        if not todo:
            return outcomes
        if self._ray is None:
            self._ray, self._started = self.connect()
        ray, env, pending, shared = self._ray, harness_environment(), {}, {}
        # Students train with the driver's thread count, so that they are the ones a local run trains.
        env.setdefault(TRAIN_THREADS_ENV, str(training_threads()))
        train_cpus = min(int(env[TRAIN_THREADS_ENV]), max(int(ray.cluster_resources().get("CPU", 1)), 1))
        remote_shared = ray.remote(shared_task)
        remote_cell = ray.remote(cell_task)
        passages = {}  # per pair: whether its collection is large enough to shard
        for cell, retriever, record in todo:
            spec, topics, params = cell
            needs = []
            key = retriever.shared_work(topics)
            if key is not None:
                if key not in shared:  # one task per student, however many pairs wait on it
                    shared[key] = remote_shared.options(max_retries=self.max_retries, **resources(spec, params, "training", train_cpus=train_cpus)).remote(
                        env, spec, collection, run, topics.pair.name, params, str(out))
                needs.append(shared[key])
            if "encoding" in spec.accelerated and topics.pair.name not in passages:
                # A corpus not here (offline) is not counted: the cell skips with the reason itself.
                passages[topics.pair.name] = (topics.docs_count() or 0) if topics.unavailable_reason() is None else 0
            sharded = passages.get(topics.pair.name, 0) > self.shard_passages
            ref = remote_cell.options(max_retries=self.max_retries, **resources(spec, params, "encoding", sharded)).remote(
                env, spec, collection, run, topics.pair.name, params, depth, str(out), record, self.shard_passages, *needs)
            pending[ref] = cell
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)  # blocks until a cell finishes
            for ref in done:
                spec, topics, _ = cell = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as exc:  # the task raised, or its worker died: the others go on
                    outcome = Outcome(topics.pair.name, spec.name, "failed", _first_line(exc))
                    report(f"failed {spec.name} on {topics.pair.name}: {outcome.reason}")
                else:
                    outcome = write_cell(out, topics, result)
                    report_outcome(outcome, report, ", ray")
                outcomes[id(cell)] = outcome
        return outcomes


def check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """A HarnessError in one line, within ``timeout_s``, when ``HOST:PORT`` (or ``ray://HOST:PORT``)
    does not accept a connection; Ray itself would retry for minutes.  ``auto`` is left to Ray."""
    import socket

    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if address == "auto" or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise HarnessError(f"cannot reach the Ray cluster at {address} ({exc}); start it first "
                           "(ray start --head) or leave out --ray-address for a local instance") from None


def _first_line(exc: BaseException) -> str:
    """The cause of a Ray task's failure in one line (Ray wraps it in a multi-line traceback)."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, HarnessError):
        return str(cause).splitlines()[0]
    text = str(cause or exc).strip().splitlines()
    name = type(exc).__name__
    return f"{name}: {text[-1] if text else ''}"[:300]
