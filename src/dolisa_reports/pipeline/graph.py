"""The build as a declared task graph: nodes with named inputs and outputs, run when their inputs are made.

A :class:`Node` names the artefacts it reads (``inputs``) and writes (``outputs``) by short ids such as
``dataset:2021/labour`` or ``results:2021/labour``. An edge runs from the node that writes an id to every
node that reads it; ids that no node writes are the project's own files (workbooks, params), always there.
So the order of a build is not written anywhere: a year's validation runs after the comparison year's
(it reads that year's datasets), a report after its validation, the year-end summary after the five
domain reports whose results it reads, and each PDF after its HTML.

:func:`run` knows nothing about reports. What happens around each node is a hook (:class:`Hooks`):

- ``on_ready(node)``: every upstream node has finished; return the work to run (a :class:`Work`) or ``None``
  to skip it (the manifest says it is up to date, or its data did not validate);
- ``on_start(node)`` / ``on_done(node, result)`` / ``on_error(node, exc)``: progress, log, status and
  manifest updates. ``on_done`` may return new nodes (per-area reports, planned from the validated
  data once it exists).

Nodes run on *lanes*: ``pool`` (the worker pool: thread, process or Dask), ``pdf`` (one thread: the PDF
engine is not thread-safe) and ``inline`` (the calling thread, for short planning steps). Lanes are
made only when a node needs them, so an up-to-date build starts no pool at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from typing import Any, Protocol


class GraphError(ValueError):
    """A graph that cannot run: two nodes writing one id, a duplicate key, or a cycle."""


@dataclass(frozen=True)
class Node:
    key: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    lane: str = "pool"
    kind: str = ""  # for the hooks: validate, areas, report, pdf…
    task: Any = field(default=None, compare=False)  # what the hooks need (a ReportTask, a year…)


@dataclass
class Work:
    """What ``on_ready`` hands back: ``fn(*args)``, run on the node's lane."""

    fn: Callable[..., Any]
    args: tuple = ()


class Hooks(Protocol):
    def on_ready(self, node: Node) -> Work | None: ...

    def on_start(self, node: Node) -> None: ...

    def on_done(self, node: Node, result: Any) -> Iterable[Node] | None: ...

    def on_error(self, node: Node, exc: BaseException) -> None: ...


class Graph:
    def __init__(self, nodes: Iterable[Node] = ()):
        self.nodes: dict[str, Node] = {}
        self.producer: dict[str, str] = {}  # artefact id -> key of the node that writes it
        self.readers: dict[str, list[str]] = {}  # artefact id -> keys of the nodes that read it
        self._order: list[str] = []
        self.add(nodes)

    def add(self, nodes: Iterable[Node]) -> None:
        nodes = list(nodes)
        keys, producer = set(self.nodes), dict(self.producer)
        for node in nodes:
            if node.key in keys:
                raise GraphError(f"two nodes named {node.key}")
            keys.add(node.key)
            for out in node.outputs:
                if out in producer:
                    raise GraphError(f"{out} is written by {producer[out]} and {node.key}")
                producer[out] = node.key
        for node in nodes:
            self.nodes[node.key] = node
            for i in node.inputs:
                self.readers.setdefault(i, []).append(node.key)
        self.producer = producer
        self._order = self._sort()  # refuse a cycle now, not as a build that never ends

    def upstream(self, node: Node) -> set[str]:
        """Keys of the nodes that write what ``node`` reads."""
        return {self.producer[i] for i in node.inputs if i in self.producer} - {node.key}

    def downstream(self, key: str) -> list[str]:
        """Keys of the nodes that read what ``key`` writes."""
        out = [k for o in self.nodes[key].outputs for k in self.readers.get(o, ())]
        return [k for k in dict.fromkeys(out) if k != key]

    def order(self) -> list[str]:
        """The keys in an order where every node comes after its upstream nodes."""
        return list(self._order)

    def _sort(self) -> list[str]:
        """Kahn's algorithm, stable: among ready nodes, the one added first goes first."""
        deps = {k: self.upstream(n) for k, n in self.nodes.items()}
        out: list[str] = []
        ready = [k for k, d in deps.items() if not d]
        placed = set(ready)
        while ready:
            key = ready.pop(0)
            out.append(key)
            for k in self.downstream(key):
                deps[k].discard(key)
                if not deps[k] and k not in placed:
                    placed.add(k)
                    ready.append(k)
        if len(out) != len(self.nodes):
            stuck = sorted(set(self.nodes) - set(out))
            raise GraphError("cycle between " + ", ".join(stuck))
        return out


class Lanes:
    """Executors by lane name, made on first use by ``factories`` (``name -> () -> executor``)."""

    def __init__(self, factories: dict[str, Callable[[], Any]]):
        self.factories = factories
        self.made: dict[str, Any] = {}

    def get(self, name: str):
        if name not in self.made:
            self.made[name] = self.factories[name]()
        return self.made[name]

    def submit(self, name: str, work: Work) -> Future:
        if name == "inline":
            fut: Future = Future()
            try:
                fut.set_result(work.fn(*work.args))
            except Exception as exc:  # handed to the on_error hook like any other
                fut.set_exception(exc)
            return fut
        return self.get(name).submit(work.fn, *work.args)

    def shutdown(self, cancel: bool = True) -> None:
        for lane in self.made.values():
            lane.shutdown(cancel=cancel)
        self.made.clear()


def run(graph: Graph, lanes: Lanes, hooks: Hooks) -> None:
    """Run every node once its upstream nodes have finished (made, skipped or failed: a failure does not
    cascade here; the ``on_ready`` hook of a node downstream decides what a missing input means)."""
    finished: set[str] = set()
    running: dict[Future, Node] = {}
    busy: set[str] = set()

    def start_ready() -> None:
        progress = True
        while progress:  # skipping a node may make others ready
            progress = False
            for key in graph.order():
                if key in finished or key in busy:
                    continue
                node = graph.nodes[key]
                if not graph.upstream(node) <= finished:
                    continue
                work = hooks.on_ready(node)
                if work is None:
                    finished.add(key)
                    progress = True
                    continue
                hooks.on_start(node)
                busy.add(key)
                fut = lanes.submit(node.lane, work)
                running[fut] = node
                if fut.done():  # an inline node: handle it now, it may add nodes
                    _settle(fut)
                    progress = True

    def _settle(fut: Future) -> None:
        node = running.pop(fut)
        busy.discard(node.key)
        try:
            result = fut.result()
        except Exception as exc:
            finished.add(node.key)
            hooks.on_error(node, exc)
            return
        finished.add(node.key)
        extra = hooks.on_done(node, result)
        if extra:
            graph.add(extra)

    start_ready()
    while running:
        done, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for fut in done:
            _settle(fut)
        start_ready()
    left = sorted(set(graph.nodes) - finished)
    if left:  # cannot happen with an acyclic graph; said loudly rather than ended quietly
        raise GraphError("nodes never ran: " + ", ".join(left))
