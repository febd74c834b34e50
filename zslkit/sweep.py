"""Many independent trainings: inline, in local worker processes, or on a Ray cluster.

`zslkit.runs.compare` and `zslkit.select` turn their work into a list of tasks (one training
each) and hand them, with one task function, to `run_tasks`, which runs that function

- inline, one task after another (``jobs=1``, the default);
- in ``jobs`` local worker processes (``spawn``; ``jobs=-1``: one per core, or one per GPU when
  the runs use CUDA, each worker pinned to its GPU through ``CUDA_VISIBLE_DEVICES``); or
- on Ray (``ray_address="auto"``: a running cluster, ``"local"``: start Ray on this machine),
  where each task asks for one CPU, and for one GPU when the runs use CUDA,

and yields an `Outcome` per task as it finishes. Only the caller (the driver) writes results.

Data goes to a worker once: the ``shared`` objects (the datasets) travel to a worker process the
first time one of its tasks needs them and stay there; on Ray each is put once in the object
store. Each worker runs torch with ``cores // jobs`` threads (never more than the driver's own),
one per task on Ray, so that N workers do not oversubscribe the cores; with the same thread
count per run (e.g. ``OMP_NUM_THREADS=1``) a run gives the same numbers, bit for bit, wherever
it runs.

A task that raises is a failed `Outcome` carrying its traceback, printed once; the others go
on. A worker process that dies (killed, out of memory) fails only the task it was running: a
fresh worker takes its place for the rest. The local pool is a set of processes each with its
own pipe, rather than `concurrent.futures.ProcessPoolExecutor`, whose pool breaks as a whole
(``BrokenProcessPool``) when one worker is killed. On Ray a task is not retried (``max_retries=0``):
a rerun of the same command does what is missing.
"""
from __future__ import annotations

import collections
import multiprocessing as mp
import os
import signal
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

__all__ = ["Outcome", "TasksFailed", "RayUnavailable", "run_tasks", "resolve_jobs", "uses_cuda", "require_ray",
           "RAY_HINT"]

RAY_HINT = "install the extra: pip install \"zslkit[ray]\" (or pip install -e \".[ray]\" in a checkout)"
# Tests only: a worker process kills itself (SIGKILL) after running the task with this label,
# before it can send the result back: the worst moment for a crash.
KILL_ENV = "ZSLKIT_SWEEP_TEST_KILL"


@dataclass
class Outcome:
    """One finished task: its ``result``, or the ``error`` (a traceback) it failed with."""
    index: int
    label: str
    task: Any
    result: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class TasksFailed(RuntimeError):
    """Raised at the end of a sweep in which some tasks failed; everything else is recorded.

    ``failed``: their `Outcome` s; ``partial``: what the sweep returns for the tasks that finished.
    """

    def __init__(self, failed: list, partial=None):
        self.failed, self.partial = failed, partial
        names = ", ".join(o.label for o in failed[:5]) + (" ..." if len(failed) > 5 else "")
        super().__init__(f"{len(failed)} run(s) failed: {names} (errors above); rerun to retry them.")


class RayUnavailable(RuntimeError):
    """``ray_address`` was given but Ray is not installed (or cannot be reached)."""


def require_ray():
    """Import and return ``ray``, or raise `RayUnavailable` saying which extra to install."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(f"--ray needs Ray, which is not installed; {RAY_HINT}.") from None
    return ray


def uses_cuda(device) -> bool:
    """Whether runs on ``device`` (``"auto"``, ``"cpu"``, ``"cuda"``) use a GPU on this machine."""
    if device == "cpu":
        return False
    import torch

    return torch.cuda.is_available() and (device == "auto" or str(device).startswith("cuda"))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def resolve_jobs(jobs: int, gpu: bool = False) -> tuple[int, list]:
    """``(workers, gpus)``: the number of local workers for ``jobs`` (``-1``: one per core, or one
    per GPU when ``gpu``) and the GPU index each worker is pinned to (``None``: not pinned)."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or (jobs < 1 and jobs != -1):
        raise ValueError(f"jobs must be a positive number of worker processes or -1 (one per core or GPU), got {jobs!r}.")
    n_gpus = 0
    if gpu:
        import torch

        n_gpus = torch.cuda.device_count()
    n = jobs if jobs > 0 else (n_gpus or _cores())
    return n, [i % n_gpus if n_gpus else None for i in range(n)]


def threads_per_worker(workers: int) -> int:
    """Torch threads for each of ``workers`` local workers: ``cores // workers``, at least 1 and
    at most what the driver itself uses (``torch.get_num_threads()``, i.e. ``OMP_NUM_THREADS``)."""
    import torch

    return max(1, min(torch.get_num_threads(), _cores() // workers))


def _set_threads(threads: int) -> None:
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


# -- progress -------------------------------------------------------------------------------------
class _Progress:
    """A bar over tasks (finished / running / failed), or, without one, plain lines."""

    def __init__(self, total: int, enabled: bool, desc: str, log: Callable):
        self.log, self.failed, self.running = log, 0, 0
        self.bar = None
        if enabled and total:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="run", dynamic_ncols=True)
            self._postfix()

    def _postfix(self):
        if self.bar is not None:
            self.bar.set_postfix_str(f"running {self.running}, failed {self.failed}", refresh=True)

    def write(self, line: str, err: bool = False) -> None:
        def emit():
            if err:
                print(line, file=sys.stderr, flush=True)
            else:
                self.log(line)
        if self.bar is None:
            emit()
        else:
            with self.bar.external_write_mode():
                emit()

    def set_running(self, n: int) -> None:
        if n != self.running:
            self.running = n
            self._postfix()

    def finished(self, ok: bool) -> None:
        self.failed += not ok
        if self.bar is not None:
            self.bar.update(1)
            self._postfix()

    def close(self):
        if self.bar is not None:
            self.bar.close()


# -- the executor ---------------------------------------------------------------------------------
def run_tasks(tasks: Iterable, fn: Callable, *, jobs: int = 1, ray_address: str | None = None,
              on_result: Callable | None = None, shared: dict | None = None, needs: Callable | None = None,
              device="cpu", label: Callable = str, progress: bool = False, desc: str = "runs",
              log: Callable = print) -> Iterator[Outcome]:
    """Run ``fn(task, shared)`` for every task and yield an `Outcome` for each as it finishes.

    Parameters
    ----------
    tasks : picklable task descriptions (small: the data travels in ``shared``).
    fn : a module-level function (picklable by name) ``fn(task, shared) -> result``; the same
        function runs inline, in a worker process or on Ray.
    jobs : 1 (default) runs inline in this process; N > 1 starts N local worker processes; -1 one
        per core, or one per GPU when ``device`` uses CUDA. With ``ray_address="local"`` it is
        the number of CPUs Ray may use (-1, 1: all).
    ray_address : ``"auto"`` (a running cluster, e.g. after ``ray start --head``), ``"local"``
        (start Ray here) or a cluster address; needs the ``ray`` extra (`RayUnavailable`).
    on_result : called in the driver with each `Outcome` (before it is yielded); a string it
        returns is printed with ``log`` (under the progress bar, if there is one). Failures are
        printed here, once each, with their traceback.
    shared : ``name -> object`` (the datasets), sent to each worker once; ``needs(task)`` lists
        the names a task uses (default: all).
    device : the runs' device, to pin GPUs (local workers) or ask Ray for one GPU per task.
    label : ``label(task)`` names a task in messages. progress : draw a bar over the tasks.

    >>> [o.result for o in run_tasks([1, 2, 3], lambda task, shared: 10 * task)]  # inline: any function
    [10, 20, 30]
    """
    tasks = list(tasks)
    if not tasks:
        return
    shared = dict(shared or {})
    items = [(i, str(label(t)), t) for i, t in enumerate(tasks)]
    keys = (lambda task: list(needs(task))) if needs else (lambda task: list(shared))
    bar = _Progress(len(items), progress, desc, log)
    if ray_address is not None:
        source = _run_ray(items, fn, shared, keys, ray_address, jobs, device, bar)
    elif jobs == 1:
        source = _run_inline(items, fn, shared, bar)
    else:
        workers, gpus = resolve_jobs(jobs, uses_cuda(device) and device in ("auto", "cuda"))
        source = _run_pool(items, fn, shared, keys, min(workers, len(items)), gpus, threads_per_worker(workers), bar)
    try:
        for outcome in source:
            if not outcome.ok:
                bar.write(f"FAILED: {outcome.label}\n{outcome.error.rstrip()}", err=True)
            line = on_result(outcome) if on_result else None
            if line:
                bar.write(line)
            bar.finished(outcome.ok)
            yield outcome
    finally:
        source.close()
        bar.close()


def _call(fn, task, shared, index, label) -> Outcome:
    try:
        return Outcome(index, label, task, result=fn(task, shared))
    except Exception:
        return Outcome(index, label, task, error=traceback.format_exc())


def _run_inline(items, fn, shared, bar):
    for index, label, task in items:
        bar.set_running(1)
        yield _call(fn, task, shared, index, label)
    bar.set_running(0)


# -- local worker processes -----------------------------------------------------------------------
def _worker_main(conn, fn, threads: int, gpu) -> None:
    """A local worker: receive ``(index, label, task, new shared objects)``, reply ``(index, result, error)``."""
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)  # before anything initialises CUDA
    os.environ["OMP_NUM_THREADS"] = str(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's: it stops the workers
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())  # not tqdm's default multiprocessing lock, which a killed worker would leak
    _set_threads(threads)
    shared = {}
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        index, label, task, new = msg
        shared.update(new)
        out = _call(fn, task, shared, index, label)
        if os.environ.get(KILL_ENV) == label:
            os.kill(os.getpid(), signal.SIGKILL)
        try:
            conn.send((index, out.result, out.error))
        except Exception:  # a result that does not pickle
            conn.send((index, None, traceback.format_exc()))


class _Worker:
    def __init__(self, ctx, fn, threads, gpu):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, threads, gpu), daemon=True)
        self.proc.start()
        child.close()
        self.gpu, self.has, self.busy = gpu, set(), None

    def stop(self, graceful: bool) -> None:
        if graceful and self.proc.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)
        self.conn.close()


def _death(code) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _run_pool(items, fn, shared, keys, n, gpus, threads, bar):
    ctx = mp.get_context("spawn")
    todo = collections.deque(items)
    workers = [_Worker(ctx, fn, threads, gpus[i]) for i in range(n)]
    graceful = False
    try:
        while todo or any(w.busy for w in workers):
            for slot, w in enumerate(workers):
                if w.busy is None and todo:
                    if not w.proc.is_alive():  # died while idle
                        w.stop(False)
                        w = workers[slot] = _Worker(ctx, fn, threads, w.gpu)
                    index, label, task = item = todo.popleft()
                    new = {k: shared[k] for k in keys(task) if k not in w.has}
                    try:
                        w.conn.send((index, label, task, new))
                    except OSError:  # it died just now: the task never started
                        todo.appendleft(item)
                        continue
                    w.has.update(new)
                    w.busy = item
            busy = [w for w in workers if w.busy]
            bar.set_running(len(busy))
            if not busy:  # a worker died before its task started: replace it, then dispatch again
                continue
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy]))
            for slot, w in enumerate(workers):
                if w.busy is None or not (w.conn in ready or w.proc.sentinel in ready):
                    continue
                index, label, task = w.busy
                try:
                    if w.conn.poll():
                        got, result, error = w.conn.recv()
                        assert got == index
                        w.busy = None
                        yield Outcome(index, label, task, result=result, error=error)
                        continue
                except (EOFError, OSError):
                    pass
                if w.proc.is_alive():
                    continue
                w.proc.join()
                code = w.proc.exitcode
                w.busy = None
                w.stop(False)
                workers[slot] = _Worker(ctx, fn, threads, w.gpu) if todo else _Idle(w.gpu)
                yield Outcome(index, label, task, error=f"the worker process running it died ({_death(code)}); "
                                                        "nothing of this run was recorded.")
        bar.set_running(0)
        graceful = True
    finally:
        for w in workers:
            w.stop(graceful)


class _Idle:
    """The place of a dead worker when no task is left for a replacement."""

    def __init__(self, gpu):
        self.gpu, self.busy = gpu, None

    def stop(self, graceful):
        pass


# -- Ray ------------------------------------------------------------------------------------------
def _ray_call(fn, task, threads, names, *objects):
    _set_threads(threads)
    return fn(task, dict(zip(names, objects)))


def _run_ray(items, fn, shared, keys, address, jobs, device, bar):
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        import logging

        try:
            if address == "local":
                ray.init(address="local", num_cpus=jobs if jobs > 1 else None, include_dashboard=False,
                         logging_level=logging.WARNING)
            else:
                ray.init(address=address, logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise RayUnavailable(f"could not connect to Ray at {address!r} ({exc}); start a cluster with "
                                 "`ray start --head`, or use --ray local to start Ray on this machine.") from None
    pending = {}
    try:
        resources = ray.cluster_resources()
        gpu = device == "cuda" or (device == "auto" and resources.get("GPU", 0) > 0)
        if gpu and not resources.get("GPU", 0):
            raise RayUnavailable("--device cuda, but the Ray cluster has no GPU.")
        slots = max(1, int(resources.get("GPU" if gpu else "CPU", 1)))
        options = dict(num_cpus=1, num_gpus=1 if gpu else 0, max_retries=0)
        env = {k: v for k, v in os.environ.items() if k.startswith("ZSLKIT_")}  # ZSLKIT_QUICK, _PLAIN, _COMPILE ...
        if env:  # as local workers inherit them; a cluster's workers would not
            options["runtime_env"] = {"env_vars": env}
        remote = ray.remote(**options)(_ray_call)
        refs = {k: ray.put(v) for k, v in shared.items()}
        for index, label, task in items:
            names = keys(task)
            pending[remote.remote(fn, task, 1, names, *[refs[k] for k in names])] = (index, label, task)
        while pending:
            bar.set_running(min(len(pending), slots))
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            index, label, task = pending.pop(ref)
            try:
                yield Outcome(index, label, task, result=ray.get(ref))
            except Exception as exc:  # RayTaskError (its text holds the remote traceback), WorkerCrashedError ...
                yield Outcome(index, label, task, error=f"{type(exc).__name__}: {exc}")
        bar.set_running(0)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started:
            ray.shutdown()


def new_token() -> str:
    """A name for one sweep's data, for caches in workers that outlive it."""
    return uuid.uuid4().hex
