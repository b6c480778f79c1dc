"""The build's task graph (pipeline/graph.py): edges from outputs to inputs, hooks, lanes."""

from __future__ import annotations

import threading

import pytest

from dolisa_reports.paths import Layout
from dolisa_reports.pipeline.graph import Graph, GraphError, Lanes, Node, Work, run


class Recorder:
    """Hooks that record the order of events; ``skip`` names nodes to skip, ``boom`` nodes that raise."""

    def __init__(self, skip=(), boom=(), extra=None):
        self.events: list[tuple[str, str]] = []
        self.skip, self.boom, self.extra = set(skip), set(boom), extra or {}
        self.lock = threading.Lock()

    def _log(self, what, key):
        with self.lock:
            self.events.append((what, key))

    def on_ready(self, node):
        self._log("ready", node.key)
        if node.key in self.skip:
            return None

        def work(key=node.key):
            if key in self.boom:
                raise RuntimeError(key)
            return key.upper()

        return Work(work)

    def on_start(self, node):
        self._log("start", node.key)

    def on_done(self, node, result):
        self._log("done", node.key)
        assert result == node.key.upper()
        return self.extra.pop(node.key, None)

    def on_error(self, node, exc):
        self._log("error", node.key)

    def order(self, what="done"):
        return [k for w, k in self.events if w == what]


def lanes():
    from dolisa_reports.pipeline.executor import LocalExecutor

    return Lanes({"pool": lambda: LocalExecutor(2, "thread"), "pdf": lambda: LocalExecutor(1, "thread")})


def build_graph():
    return Graph(
        [
            Node("summary", ("results:a", "results:b"), ("html:summary",)),
            Node("report/a", ("dataset:a",), ("results:a", "html:a")),
            Node("report/b", ("dataset:b", "dataset:a"), ("results:b", "html:b")),
            Node("validate", ("file:wb.xlsx",), ("dataset:a", "dataset:b")),
            Node("pdf/a", ("html:a",), ("pdf:a",), lane="pdf"),
        ]
    )


def test_edges_come_from_matching_outputs_and_inputs():
    g = build_graph()
    assert g.upstream(g.nodes["report/b"]) == {"validate"}
    assert g.upstream(g.nodes["summary"]) == {"report/a", "report/b"}
    assert g.upstream(g.nodes["validate"]) == set()  # file:… is nobody's output: a project file
    assert sorted(g.downstream("report/a")) == ["pdf/a", "summary"]
    order = g.order()
    for before, after in [("validate", "report/a"), ("report/a", "summary"), ("report/a", "pdf/a")]:
        assert order.index(before) < order.index(after)


def test_run_respects_the_edges_and_calls_every_hook():
    g, hooks, ln = build_graph(), Recorder(), lanes()
    try:
        run(g, ln, hooks)
    finally:
        ln.shutdown()
    done = hooks.order()
    assert sorted(done) == sorted(g.nodes)
    for before, after in [("validate", "report/b"), ("report/b", "summary"), ("report/a", "pdf/a")]:
        assert done.index(before) < done.index(after)
    for key in g.nodes:  # each node: ready, then start, then done, once
        assert [w for w, k in hooks.events if k == key] == ["ready", "start", "done"]


def test_a_skipped_or_failed_node_does_not_block_its_downstream():
    hooks, ln = Recorder(skip={"validate"}, boom={"report/a"}), lanes()
    try:
        run(build_graph(), ln, hooks)
    finally:
        ln.shutdown()
    assert "validate" not in hooks.order("start")
    assert hooks.order("error") == ["report/a"]
    assert {"report/b", "summary", "pdf/a"} <= set(hooks.order("done"))  # downstream still ran


def test_nodes_added_by_a_hook_join_the_graph_and_wait_for_their_inputs():
    later = [Node("area/x", ("dataset:a",), ("html:x",)), Node("pdf/x", ("html:x",), lane="pdf")]
    g = Graph([Node("validate", (), ("dataset:a",)), Node("plan", ("dataset:a",), lane="inline")])
    hooks, ln = Recorder(extra={"plan": later}), lanes()
    try:
        run(g, ln, hooks)
        assert set(ln.made) == {"pool", "pdf"}  # "inline" ran in this thread
    finally:
        ln.shutdown()
    assert hooks.order() == ["validate", "plan", "area/x", "pdf/x"]


def test_lanes_are_made_only_when_a_node_runs_on_them():
    made = []
    ln = Lanes({"pool": lambda: made.append("pool"), "pdf": lambda: made.append("pdf")})
    run(Graph([Node("a", lane="inline")]), ln, Recorder())
    assert made == []  # an up-to-date build starts no pool


@pytest.mark.parametrize(
    "nodes, message",
    [
        ([Node("a", ("x",), ("y",)), Node("b", ("y",), ("x",))], "cycle"),
        ([Node("a", (), ("x",)), Node("b", (), ("x",))], "written by a and b"),
        ([Node("a"), Node("a")], "two nodes"),
    ],
)
def test_a_graph_that_cannot_run_is_refused_before_it_starts(nodes, message):
    with pytest.raises(GraphError, match=message):
        Graph(nodes)


def test_the_build_graph_of_2021(project: Layout):
    """The engine's graph for ``--year 2021``: the order of the build is the graph's, not a loop's."""
    from dolisa_reports.pipeline.engine import BuildOptions, _Run
    from dolisa_reports.pipeline.progress import Reporter

    run_ = _Run(project, BuildOptions(years=[2021], per_area=True), ("html", "pdf"), [2021], Reporter(), None)
    g = Graph(run_._nodes())
    assert g.upstream(g.nodes["validate/2021"]) == {"validate/2020"}  # plausibility reads 2020's data
    assert g.upstream(g.nodes["2021/labour"]) == {"validate/2020", "validate/2021"}
    assert g.upstream(g.nodes["2021/summary"]) == {
        f"2021/{d}"
        for d in (
            "labour", "vocational_training", "meritorious_persons", "social_protection", "inspection",
            "work_programme",  # its totals are quoted by the summary
        )
    }  # fmt: skip
    assert not [k for k in g.nodes if k.startswith("pdf/")], "the PDF is made by the report's own worker"
    assert g.upstream(g.nodes["areas/2021"]) == {"validate/2021"}
    assert g.nodes["2021/summary"].lane == "pool" and g.nodes["areas/2021"].lane == "inline"
