"""Sluice's Python SDK: what a ``python`` task uses to read its inputs and report its results.

It talks to the worker through files of the attempt, never over the network: the worker writes
``$SLUICE_ATTEMPT_DIR/context.json`` before the task starts (params, upstream outputs, and the local files of the
artifacts the task may read), and the SDK writes what the task reports under ``$SLUICE_ATTEMPT_DIR/result/``. When
the attempt ends, the worker records it all with the task's result, in one transaction.

Outside Sluice (a notebook, a unit test) the same calls work: params come from ``SLUICE_PARAMS`` (JSON) if set, and
results go to ``./sluice-local/``, so training code needs no ``if`` for "am I in Sluice?".

The file format is described in ``clients/python/README.md``; ``PROTOCOL`` is its version.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Optional

__all__ = [
    "params", "context", "upstream", "read_dataset", "dataset_path", "write_dataset", "log_params",
    "log_metrics", "log_artifact", "output", "save_model", "SluiceError", "PROTOCOL",
    "open_export", "torch_dataset", "tf_generator",
]

PROTOCOL = 1
_lock = threading.Lock()


class SluiceError(Exception):
    """A call that cannot do what was asked, with a message that says why."""


class _Attempt:
    def __init__(self) -> None:
        root = os.environ.get("SLUICE_ATTEMPT_DIR")
        self.inside = bool(root)
        self.dir = Path(root) if root else Path.cwd() / "sluice-local"
        ctx_file = self.dir / "context.json"
        if self.inside:
            try:
                self.ctx = json.loads(ctx_file.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise SluiceError(f"{ctx_file} is missing: this attempt was not prepared by a Sluice worker") from None
            if self.ctx.get("protocol", 1) > PROTOCOL:
                raise SluiceError(f"the worker speaks protocol {self.ctx['protocol']}, this SDK {PROTOCOL}: update the SDK")
        else:
            self.ctx = {"params": json.loads(os.environ.get("SLUICE_PARAMS", "{}")), "upstream": {}, "artifacts": {}}
        self.result = self.dir / "result"
        self.files = self.result / "files"
        self.files.mkdir(parents=True, exist_ok=True)

    # outputs.json is rewritten whole on every change (atomically), so a crash leaves the last complete version.
    def _read(self, name: str, default: Any) -> Any:
        p = self.result / name
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else default

    def _write(self, name: str, value: Any) -> None:
        p = self.result / name
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, allow_nan=False, sort_keys=True), encoding="utf-8")
        os.replace(tmp, p)

    def update(self, name: str, key: str, value: Any) -> None:
        with _lock:
            doc = self._read(name, {})
            doc[key] = value
            self._write(name, doc)

    def append(self, name: str, lines: Iterable[Any]) -> None:
        with _lock, open(self.result / name, "a", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, allow_nan=False, sort_keys=True) + "\n")

    def keep(self, src: Path, name: str) -> str:
        """Moves or copies a file into result/files and returns its path relative to result/."""
        dest = self.files / f"{uuid.uuid4().hex[:12]}-{name}"
        shutil.copyfile(src, dest)
        return str(dest.relative_to(self.result))


_attempt: Optional[_Attempt] = None


def _a() -> _Attempt:
    global _attempt
    if _attempt is None:
        _attempt = _Attempt()
    return _attempt


def __getattr__(name: str) -> Any:  # module attributes computed on first use (PEP 562)
    if name == "params":
        return MappingProxyType(dict(_a().ctx.get("params", {})))
    if name == "context":
        c = _a().ctx
        return MappingProxyType({k: c.get(k) for k in ("dag_id", "run_id", "task_id", "attempt", "logical_date")})
    raise AttributeError(name)


def _key(key: str, what: str) -> str:
    if not isinstance(key, str) or not key or len(key) > 200 or not all(ch.isalnum() or ch in "_-." for ch in key):
        raise SluiceError(f"{what} {key!r}: use 1-200 letters, digits, '_', '-' or '.'")
    return key


def upstream(task_id: str, key: Optional[str] = None) -> Any:
    """An upstream task's output (the whole dict), or one key of it. Raises SluiceError naming what is missing."""
    ups = _a().ctx.get("upstream", {})
    if task_id not in ups:
        raise SluiceError(f"no output of upstream task {task_id!r}; upstream tasks with outputs: {sorted(ups)}")
    out = ups[task_id]
    if key is None:
        return out
    if key not in out:
        raise SluiceError(f"upstream task {task_id!r} has no output {key!r}; it has {sorted(out)}")
    return out[key]


def dataset_path(ref: str) -> str:
    """The local file of a dataset artifact (``sha256:...``) this task may read, or a path when outside Sluice."""
    arts = _a().ctx.get("artifacts", {})
    if isinstance(ref, str) and ref in arts:
        return arts[ref]
    if isinstance(ref, str) and not ref.startswith("sha256:") and Path(ref).exists():
        return ref  # a plain file path: local use, or a file the DAG names
    if isinstance(ref, str) and ref.startswith("sha256:") and _a().inside:
        raise SluiceError(f"artifact {ref} is not among this task's inputs (only upstream outputs and config refs are)")
    raise SluiceError(f"no dataset at {ref!r}")


def read_dataset(ref: str):
    """A dataset artifact (Parquet, as the ml.* tasks exchange) as a pandas DataFrame."""
    import pandas as pd  # imported here: tasks that use no datasets need no pandas
    return pd.read_parquet(dataset_path(ref))


def write_dataset(df, key: str = "dataset") -> str:
    """Writes a DataFrame as Parquet; it becomes this task's output ``key`` (an artifact ref) for ml.* tasks downstream.

    A pandas DataFrame is written by pandas; a Spark DataFrame (in a ``spark`` task) by Spark itself, as a folder of
    part files that the worker merges into one dataset, so the rows never pass through the driver's memory."""
    _key(key, "output key")
    a = _a()
    tmp = a.files / f"{uuid.uuid4().hex[:12]}-{key}.parquet"
    if hasattr(df, "sparkSession") and hasattr(df, "write"):
        df.write.parquet(str(tmp))
    else:
        df.to_parquet(tmp, index=False)
    rel = str(tmp.relative_to(a.result))
    a.update("outputs.json", key, {"$artifact": {"path": rel, "kind": "dataset", "media_type": "application/vnd.apache.parquet"}})
    return rel


def _plain(value: Any, where: str) -> Any:
    """JSON values only, finite numbers only: a NaN metric is a bug to report, not a value to store."""
    if isinstance(value, float) and not math.isfinite(value):
        raise SluiceError(f"{where}: {value} is not a finite number")
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _plain(value.item(), where)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise SluiceError(f"{where}: {type(value).__name__} is not a JSON value")


def log_params(values: Mapping[str, Any]) -> None:
    """Hyperparameters and settings of this run, shown in /experiments next to ml.train's."""
    for k, v in values.items():
        _a().update("params.json", _key(k, "param name"), _plain(v, f"param {k}"))


def log_metrics(values: Mapping[str, float], step: Optional[int] = None) -> None:
    """Metrics, optionally per step (epoch); the last value of each name is the attempt's metric."""
    now = time.time()
    lines = []
    for k, v in values.items():
        _key(k, "metric name")
        v = _plain(v, f"metric {k}")
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise SluiceError(f"metric {k}: {v!r} is not a number")
        lines.append({"name": k, "value": float(v), "step": step, "time": now})
    _a().append("metrics.jsonl", lines)


def log_artifact(path: str, key: str) -> None:
    """Keeps a file (a plot, a report) as an artifact, this task's output ``key``."""
    _key(key, "output key")
    src = Path(path)
    if not src.is_file():
        raise SluiceError(f"log_artifact: {path} is not a file")
    a = _a()
    rel = a.keep(src, src.name)
    a.update("outputs.json", key, {"$artifact": {"path": rel, "kind": "file", "media_type": "application/octet-stream"}})


def output(key: str, value: Any) -> None:
    """A plain output value (JSON), readable downstream as ``{{ tasks.ID.output.KEY }}``."""
    _key(key, "output key")
    if isinstance(value, Mapping) and "$artifact" in value:
        raise SluiceError("output values may not use the reserved key '$artifact'")
    _a().update("outputs.json", key, _plain(value, f"output {key}"))


_PROBLEMS = ("binary", "multiclass", "regression")
# ONNX-ML classifier operators whose class labels say the order of their probability columns.
_CLASSIFIER_OPS = ("TreeEnsembleClassifier", "TreeEnsemble", "LinearClassifier", "SVMClassifier", "ZipMap")


def _graph_classes(path: Path) -> Optional[list]:
    """The class labels the ONNX graph's last classifier names, in its order; None when it names none or the onnx
    package is not installed (the worker then relies on ``classes`` as given)."""
    try:
        import onnx  # optional: only to read the classes out of the graph
    except ImportError:
        return None
    try:
        graph = onnx.load(str(path)).graph
    except Exception:  # not an ONNX file: the worker says so when it loads the model
        return None
    found = None
    for node in graph.node:
        if node.domain == "ai.onnx.ml" and node.op_type in _CLASSIFIER_OPS:
            for a in node.attribute:
                if a.name == "classlabels_strings" and len(a.strings):
                    found = [v.decode("utf-8") for v in a.strings]
                elif a.name == "classlabels_int64s" and len(a.ints):
                    found = [int(v) for v in a.ints]
    return found


def save_model(onnx_path: str, input_schema: Mapping[str, str], problem: str, positive_class: Any = None,
               classes: Optional[list] = None, framework: Optional[str] = None, label: Optional[str] = None,
               trained_on: Optional[str] = None, key: str = "bundle") -> None:
    """Saves an ONNX model as this task's output ``bundle``: a model bundle, as ml.train outputs, for ml.evaluate,
    ml.deploy, the registry and the predict API. The worker loads the graph and checks it against what is declared
    here; a mismatch fails the task with a message naming the input or output.

    input_schema: raw input column -> type (``string``, ``double``, ``long``, ``boolean``), what callers send. The
    graph takes one input per column named after it (skl2onnx's convention; shape [N, 1]) or a single 2-D float
    matrix of these columns in this order. The preprocessing must be inside the graph (e.g. an sklearn Pipeline
    with its ColumnTransformer through skl2onnx), so what is evaluated is exactly what is served.
    problem: ``binary``, ``multiclass`` or ``regression``. Labels are the data's own values: ``classes`` in the order
    of the model's probability columns (sklearn: ``list(model.classes_)``; read from the graph when omitted and the
    onnx package is installed), ``positive_class`` for binary (default: the second class, as sklearn has it).
    label: the column of the data holding the answer, which ml.evaluate scores against.
    trained_on: the dataset the model was fitted on (e.g. ``sluice.upstream("split", "train")``), the baseline of
    the drift report. framework: what built it (``sklearn``, ``xgboost``, ``pytorch``...), shown in the registry.
    """
    _key(key, "output key")
    src = Path(onnx_path)
    if not src.is_file():
        raise SluiceError(f"save_model: {onnx_path} is not a file")
    if problem not in _PROBLEMS:
        raise SluiceError(f"save_model: problem must be one of {_PROBLEMS}, got {problem!r}")
    if not input_schema:
        raise SluiceError("save_model: input_schema is required (column -> type)")
    types = ("string", "double", "long", "boolean")
    for col, t in input_schema.items():
        if t not in types:
            raise SluiceError(f"save_model: input_schema[{col!r}] = {t!r}; use one of {types}")
    if label is not None and label in input_schema:
        raise SluiceError(f"save_model: label {label!r} is also in input_schema; the model may not take its answer as input")
    if trained_on is not None and not isinstance(trained_on, str):
        raise SluiceError("save_model: trained_on is a dataset ref, e.g. sluice.upstream('split', 'train')")
    if problem != "regression":
        classes = _plain(list(classes), "classes") if classes is not None else None
        graph = _graph_classes(src)
        if classes is None:
            if graph is None:
                raise SluiceError("save_model: give classes, the data's labels in the order of the model's"
                                  " probability columns (sklearn: list(model.classes_))")
            classes = graph
        elif graph is not None and all(isinstance(g, str) for g in graph) and [str(c) for c in classes] != graph:
            raise SluiceError(f"save_model: classes {classes!r} differ from the classes of the ONNX graph {graph!r}"
                              " (its probability columns are in that order)")
    if problem == "binary":
        if classes is None or len(classes) != 2:
            raise SluiceError(f"save_model: a binary model has two classes (the data's two labels), got {classes!r}")
        if positive_class is None:
            positive_class = classes[1]
        if positive_class not in classes:
            raise SluiceError(f"save_model: positive_class {positive_class!r} is not one of classes {classes!r}")
    if problem == "multiclass" and (not classes or len(classes) < 3):
        raise SluiceError("save_model: a multiclass model needs classes (3 or more, in the model's output order)")
    a = _a()
    rel = a.keep(src, "model.onnx")
    meta = {"format": "onnx", "input_schema": dict(input_schema), "problem": problem,
            "positive_class": _plain(positive_class, "positive_class"),
            "classes": _plain(list(classes), "classes") if classes is not None else None,
            "framework": framework, "label": label, "trained_on": trained_on}
    a.update("outputs.json", key, {"$artifact": {"path": rel, "kind": "model", "media_type": "application/onnx",
                                                 "model": meta}})


def open_export(ref: str, filesystem: Any = None):
    """An ``ml.export``'s manifest (features, label, classes, rows, seed, shards): see :mod:`sluice.exports`."""
    from . import exports
    return exports.open_export(ref, filesystem)


def torch_dataset(ref: str, batch_size: int, shuffle: bool = True, seed: Optional[int] = None, epoch: int = 0,
                  rank: Optional[int] = None, world_size: Optional[int] = None, drop_last: bool = False,
                  filesystem: Any = None):
    """A PyTorch IterableDataset of ``(features, label)`` batches over an ``ml.export`` (an upstream task id, or the
    manifest's path or URI), each row once per epoch across DataLoader workers and ranks; see
    :func:`sluice.exports.torch_dataset`."""
    from . import exports
    return exports.torch_dataset(ref, batch_size, shuffle=shuffle, seed=seed, epoch=epoch, rank=rank,
                                 world_size=world_size, drop_last=drop_last, filesystem=filesystem)


def tf_generator(ref: str, batch_size: int, shuffle: bool = True, seed: Optional[int] = None, epoch: int = 0,
                 shard_index: int = 0, num_shards: int = 1, drop_last: bool = False, filesystem: Any = None):
    """numpy batches over an ``ml.export`` for ``tf.data.Dataset.from_generator``, with ``output_signature``; see
    :func:`sluice.exports.tf_generator`."""
    from . import exports
    return exports.tf_generator(ref, batch_size, shuffle=shuffle, seed=seed, epoch=epoch, shard_index=shard_index,
                                num_shards=num_shards, drop_last=drop_last, filesystem=filesystem)
