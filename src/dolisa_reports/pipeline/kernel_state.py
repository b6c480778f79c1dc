"""Runs *inside* a reused Jupyter kernel (kernels.py): make it ready, and reset it between reports.

A kernel serves report after report only if each report runs as in a fresh kernel. After a notebook,
:func:`reset` clears the IPython session (user namespace, execution counter, history), closes the
figures, empties the package's caches (parameters, catalogue: each report reads its own files), and then
compares what a notebook could have changed with the state captured when the kernel was made ready
(:func:`ready`):

- the attributes of every module of this package (a patched function), and of the package's classes
  (a patched method);
- the top-level names of the libraries the reports use (pandas, numpy, matplotlib, pyplot) and of
  ``builtins``;
- matplotlib's ``rcParams``, pandas' options, numpy's print and error options, ``warnings.filters``;
- the environment variables, the working folder and ``sys.path``.

Nothing is repaired: when anything differs, :func:`reset` says what, and the kernel is discarded (the
next report gets a new one). Modules imported for the first time by a report (a lazy import) are
recorded when first seen; a submodule bound to its package by such an import is not a change.
"""

from __future__ import annotations

import copy
import os
import sys
import warnings

PACKAGE = __name__.split(".")[0]
LIBRARIES = ("builtins", "numpy", "pandas", "matplotlib", "matplotlib.pyplot")
_baseline: dict | None = None
_modules: dict[str, dict[str, int]] = {}  # module name -> attribute name -> id(value)
# Rebound by ipykernel itself around every execution (stdin forwarding): not a report's doing.
KERNEL_OWNED = {"builtins.input", "builtins.raw_input"}
LAST = ""  # the outcome of the last reset: "" (clean) or what differs


def _attributes(module) -> dict[str, int]:
    out = {}
    for name, value in list(vars(module).items()):
        out[name] = id(value)
        if isinstance(value, type) and value.__module__ == module.__name__:
            for attr, member in list(vars(value).items()):
                out[f"{name}.{attr}"] = id(member)
    return out


def _tracked() -> list[str]:
    names = [n for n in list(sys.modules) if n == PACKAGE or n.startswith(PACKAGE + ".")]
    return sorted({*names, *(n for n in LIBRARIES if n in sys.modules)})


def _settings() -> dict:
    state: dict = {
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "sys.path": list(sys.path),
        "warnings": [repr(f) for f in warnings.filters],
    }
    if "matplotlib" in sys.modules:
        import matplotlib

        state["rcParams"] = {k: repr(v) for k, v in matplotlib.rcParams.items()}
    if "pandas" in sys.modules:
        from pandas._config import config

        state["pandas"] = copy.deepcopy(config._global_config)
    if "numpy" in sys.modules:
        import numpy

        state["numpy"] = (repr(numpy.get_printoptions()), numpy.geterr())
    return state


def _differences() -> list[str]:
    found = []
    for name in _tracked():
        module = sys.modules.get(name)
        if module is None:
            continue
        now = _attributes(module)
        before = _modules.get(name)
        if before is None:  # first seen after a report: its state from now on
            _modules[name] = now
            continue
        for attr, ident in now.items():
            if f"{name}.{attr}" in KERNEL_OWNED:
                continue
            if attr in before:
                if before[attr] != ident:
                    found.append(f"{name}.{attr}")
            elif not isinstance(getattr(module, attr.split(".")[0], None), type(sys)):
                found.append(f"{name}.{attr} (new)")
        found += [f"{name}.{attr} (deleted)" for attr in before if attr not in now]
    settings = _settings()
    for key, value in settings.items():
        if key == "rcParams" and "rcParams" in _baseline:
            found += [f"rcParams[{k!r}]" for k, v in value.items() if _baseline["rcParams"].get(k) != v]
        elif _baseline.get(key, value) != value:
            found.append(key)
    return found


def _clear() -> None:
    for name in _tracked():  # the package's caches (params, catalogue): each report reads its own
        if name.startswith(PACKAGE):
            for value in list(vars(sys.modules[name]).values()):
                if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):
                    value.cache_clear()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)  # the namespace, Out/_ cache and In[], execution count back to 1


def ready(imports: tuple[str, ...] = ()) -> str:
    """Import what the reports need, then record the state every report must find. Returns ''."""
    global _baseline, LAST
    import importlib

    for name in imports:
        importlib.import_module(name)
    _clear()
    _baseline = _settings()
    _modules.clear()
    for name in _tracked():
        _modules[name] = _attributes(sys.modules[name])
    LAST = ""
    return LAST


def reset() -> str:
    """After a report: clear the session; '' when the kernel is as it was made ready, else what differs."""
    global LAST
    if _baseline is None:
        LAST = "not made ready"
        return LAST
    try:
        _clear()
        found = _differences()
    except Exception as exc:  # noqa: BLE001 - any doubt discards the kernel
        found = [f"reset failed: {type(exc).__name__}: {exc}"]
    LAST = ", ".join(found[:5]) + (f" (+{len(found) - 5})" if len(found) > 5 else "")
    return LAST
