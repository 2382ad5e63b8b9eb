"""Run a fit's independent likelihood tasks in this process, in worker processes or on Dask.

A growth fit has three kinds of independent work: the profiles of different quantities, the
likelihood evaluations of an emcee half-ensemble (one per walker) and nothing else that is
large. :class:`TaskRunner` maps a module-level task function ``fn(problem, item)`` over items
with the fit's :class:`~ifnexus.fit.GrowthProblem` installed once per worker:

- ``RunOptions(n_jobs=1)`` (default): in this process, one item after the other;
- ``n_jobs > 1``: worker *processes* (``concurrent.futures`` with the ``spawn`` start method),
  not threads: the model's compiled kernel holds the GIL, so threads would take turns (measured:
  two threads over four arms took longer than one), and ``fork`` is unsafe after the kernel's
  OpenMP threads have started;
- ``scheduler=``: a Dask cluster (:func:`ifnexus._optional.dask_client`: an unreachable
  address is a clear error after ``IFNEXUS_DASK_TIMEOUT`` seconds); the problem is scattered to
  the workers once.

Results do not depend on where a task ran: every task starts from the state it is given (the
individual modes at the estimate), never from what an earlier task left in its worker.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

from ifnexus._runoptions import RunOptions, as_run_options

__all__ = ["TaskRunner", "task_runner"]

_INSTALLED: Any = None


def _install(blob: bytes) -> None:
    """Worker initialiser: unpickle the problem once; one kernel thread per worker process."""
    global _INSTALLED
    import numba

    numba.set_num_threads(1)
    _INSTALLED = pickle.loads(blob)


def _call_installed(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_INSTALLED, item)


_LOCAL = threading.local()


def _call_private(fn: Callable[[Any, Any], Any], problem: Any, item: Any) -> Any:
    """Run a task on this thread's own copy of ``problem``.

    A Dask worker shares scattered data between its threads, and a task changes the
    problem's warm-start state, so each thread works on a private copy (made once).
    """
    own = getattr(_LOCAL, "copies", None)
    if own is None:
        own = _LOCAL.copies = {}
    key = id(problem)
    if key not in own:
        own.clear()
        own[key] = (problem, pickle.loads(pickle.dumps(problem)))
    return fn(own[key][1], item)


class TaskRunner:
    """Map ``fn(problem, item)`` over items, here, in worker processes or on a Dask cluster.

    Parameters
    ----------
    problem
        The object every task receives first (picklable).
    map_items
        The mapping function ``(fn, items) -> list`` (from :func:`task_runner`).
    where
        ``"serial"``, ``"processes"`` or ``"dask"``.
    workers
        Number of workers (1 in this process).
    """

    def __init__(
        self,
        problem: Any,
        map_items: Callable[[Callable[[Any, Any], Any], Sequence[Any]], list[Any]],
        where: str,
        workers: int,
    ) -> None:
        self.problem = problem
        self._map = map_items
        self.where = where
        self.workers = workers

    def map(self, fn: Callable[[Any, Any], Any], items: Sequence[Any]) -> list[Any]:
        """Return ``[fn(problem, item) for item in items]``, computed where the runner runs.

        Parameters
        ----------
        fn
            A module-level function (workers import it by name).
        items
            The items.

        Returns
        -------
        list
            The results in item order.
        """
        return self._map(fn, list(items))


@contextmanager
def task_runner(problem: Any, options: RunOptions | None) -> Iterator[TaskRunner]:
    """Yield a :class:`TaskRunner` for ``problem`` under ``options`` (closed on exit).

    Parameters
    ----------
    problem
        The object every task receives first.
    options
        ``n_jobs`` worker processes, or a Dask ``scheduler``; ``None``: in this process.

    Yields
    ------
    TaskRunner
        The runner.

    Raises
    ------
    ValidationError
        An unreachable scheduler address (after ``IFNEXUS_DASK_TIMEOUT`` seconds).
    IfnexusError
        A cluster without workers.
    """
    opts = as_run_options(options)
    if opts.scheduler is not None:
        from ifnexus._optional import dask_client

        with dask_client(opts.scheduler, purpose="fitting") as client:
            fut = client.scatter(problem, broadcast=True, hash=False)

            def on_dask(fn: Callable[[Any, Any], Any], items: Sequence[Any]) -> list[Any]:
                return client.gather(
                    [client.submit(_call_private, fn, fut, it, pure=False) for it in items]
                )

            n = len(client.scheduler_info().get("workers", {})) or 1
            yield TaskRunner(problem, on_dask, "dask", n)
        return
    workers = opts.workers
    if workers <= 1:

        def here(fn: Callable[[Any, Any], Any], items: Sequence[Any]) -> list[Any]:
            return [fn(problem, it) for it in items]

        yield TaskRunner(problem, here, "serial", 1)
        return
    with ExitStack() as stack:
        ex = stack.enter_context(
            ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_install,
                initargs=(pickle.dumps(problem),),
            )
        )

        def in_processes(fn: Callable[[Any, Any], Any], items: Sequence[Any]) -> list[Any]:
            return list(ex.map(_call_installed, [fn] * len(items), items))

        yield TaskRunner(problem, in_processes, "processes", workers)
