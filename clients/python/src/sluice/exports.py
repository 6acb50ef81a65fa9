"""Reading an ``ml.export`` (shuffled Parquet shards plus a manifest) in a training loop.

Every consumer (a DataLoader worker of a distributed rank) walks the same per-epoch order of the whole export: the
shards in an order drawn from (seed, epoch), each shard's rows in an order drawn from (seed, epoch, shard). That
sequence is cut into ``ranks x workers`` contiguous ranges whose sizes differ by at most one row, and each consumer
reads only the shards its range touches. So every row is seen exactly once per epoch across all of them, the order
changes with the epoch, and the same seed and epoch give the same order, whatever the number of workers.
"""
from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, List, Optional, Tuple

FORMAT = "sluice.export"
FORMAT_VERSION = 1


def _error(message: str) -> Exception:
    from . import SluiceError
    return SluiceError(message)


@dataclass(frozen=True)
class Shard:
    ref: str
    rows: int
    location: str  # a local path or a URI pyarrow's filesystems open


class Manifest:
    """An export's manifest and where its shards are. ``features``, ``label`` (name or None), ``classes`` (a text or
    boolean label's classes, in index order; None for a numeric label), ``rows``, ``seed``, ``shards``."""

    def __init__(self, doc: dict, shards: List[Shard], filesystem: Any, where: str) -> None:
        if doc.get("format") != FORMAT:
            raise _error(f"{where} is not an ml.export manifest (format {doc.get('format')!r})")
        if int(doc.get("format_version", 0)) > FORMAT_VERSION:
            raise _error(f"{where}: manifest format_version {doc['format_version']} is newer than this SDK reads"
                         f" ({FORMAT_VERSION}); update the SDK")
        self.doc = doc
        self.features: List[str] = list(doc["features"])
        label = doc.get("label") or None
        self.label: Optional[str] = label["name"] if label else None
        self.label_type: Optional[str] = label["type"] if label else None
        self.classes: Optional[list] = label.get("classes") if label else None
        self.rows: int = int(doc["rows"])
        self.seed: int = int(doc["seed"])
        self.shards = shards
        self.filesystem = filesystem
        self.where = where

    def read_shard(self, shard: Shard):
        """The shard's features as a float32 matrix [rows, features] and its labels (int64 class indices, float32
        numbers, or None without a label), as numpy arrays."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
        cols = self.features + ([self.label] if self.label else [])
        try:
            table = pq.read_table(shard.location, columns=cols, filesystem=self.filesystem)
        except Exception as e:  # pyarrow raises OSError, ArrowInvalid...: name the shard
            raise _error(f"shard {shard.ref} of {self.where} at {shard.location}: {e}") from e
        if table.num_rows != shard.rows:
            raise _error(f"shard {shard.ref} at {shard.location} has {table.num_rows} rows, the manifest says"
                         f" {shard.rows}")
        x = np.empty((table.num_rows, len(self.features)), dtype=np.float32)
        for i, f in enumerate(self.features):  # a missing number becomes NaN
            x[:, i] = table.column(f).cast(pa.float32()).to_numpy(zero_copy_only=False)
        y = None
        if self.label:
            col = table.column(self.label)
            if self.classes is not None:
                idx = pc.index_in(col, value_set=pa.array(self.classes, type=col.type))
                if idx.null_count:
                    raise _error(f"shard {shard.ref}: label values outside the manifest's classes {self.classes}")
                y = idx.to_numpy(zero_copy_only=False).astype(np.int64)
            else:
                y = col.cast(pa.float32()).to_numpy(zero_copy_only=False)
        return x, y


def _inside_attempt() -> Tuple[dict, dict]:
    from . import _a
    ctx = _a().ctx
    return ctx.get("upstream", {}), ctx.get("artifacts", {})


def _filesystem(uri: str):
    """A pyarrow filesystem and path for a URI (``s3://bucket/key``, ``file:///...``) or a plain local path. S3 takes
    credentials, region and endpoint from the usual AWS settings (AWS_ACCESS_KEY_ID..., AWS_ENDPOINT_URL)."""
    from pyarrow import fs
    if "://" in uri:
        return fs.FileSystem.from_uri(uri)
    return fs.LocalFileSystem(), str(Path(uri).resolve())


def open_export(ref: str, filesystem: Any = None) -> Manifest:
    """An export's manifest. ``ref``: inside a python task, the id of an upstream ``ml.export`` task (or its
    ``manifest`` output, a ``sha256:`` ref), whose shards the worker has fetched already; anywhere, the manifest's
    path or URI (``s3://bucket/prefix/artifacts/sha256/ab/<hash>``, ``manifest_uri`` in the task's output), whose
    shards are found by their path under the same ``artifacts/`` root. ``filesystem``: a pyarrow filesystem to use
    instead of the one the URI names (e.g. S3 with explicit credentials)."""
    if not isinstance(ref, str) or not ref:
        raise _error(f"export reference {ref!r}: give an upstream task id, a manifest ref, path or URI")
    upstream, artifacts = _inside_attempt()
    if ref in upstream:
        out = upstream[ref] or {}
        if "manifest" not in out:
            raise _error(f"upstream task {ref!r} is no ml.export: its output has no 'manifest' (it has {sorted(out)})")
        ref = out["manifest"]
    if ref.startswith("sha256:"):
        if ref not in artifacts:
            raise _error(f"manifest {ref} is not among this task's inputs: depend on the ml.export task (or give"
                         " the manifest's path or URI)")
        path = artifacts[ref]
        doc = _load(Path(path).read_bytes(), ref)
        shards = []
        for s in doc["shards"]:
            if s["ref"] not in artifacts:
                raise _error(f"shard {s['ref']} of export {ref} was not fetched for this task: its output 'shards'"
                             " must reach the task (depend on the ml.export task directly)")
            shards.append(Shard(s["ref"], int(s["rows"]), artifacts[s["ref"]]))
        return Manifest(doc, shards, None, ref)
    if filesystem is None:
        filesystem, path = _filesystem(ref)
    else:
        path = ref.split("://", 1)[1] if "://" in ref else ref
    try:
        with filesystem.open_input_stream(path) as f:
            raw = f.read()
    except Exception as e:
        raise _error(f"cannot read the export manifest {ref}: {e}") from e
    doc = _load(raw, ref)
    root = _root(path)
    shards = [Shard(s["ref"], int(s["rows"]), posixpath.join(root, s["path"])) for s in doc["shards"]]
    return Manifest(doc, shards, filesystem, ref)


def _root(manifest_path: str) -> str:
    """Where shard paths start: the store's ``artifacts/`` root when the manifest lies in the store's layout
    (``<root>/sha256/ab/<hash>``), else the manifest's own folder (a copied export: manifest beside ``sha256/``)."""
    parts = manifest_path.replace("\\", "/").split("/")
    if len(parts) >= 4 and parts[-3] == "sha256" and len(parts[-2]) == 2 and parts[-1].startswith(parts[-2]):
        return "/".join(parts[:-3])
    return "/".join(parts[:-1])


def _load(raw: bytes, where: str) -> dict:
    try:
        doc = json.loads(raw)
    except ValueError as e:
        raise _error(f"{where} is not JSON: {e}") from None
    if not isinstance(doc, dict) or "shards" not in doc:
        raise _error(f"{where} is not an ml.export manifest")
    return doc


def _seed(*parts: int) -> List[int]:
    return [int(p) & 0xFFFFFFFFFFFFFFFF for p in parts]


def epoch_order(manifest: Manifest, seed: int, epoch: int, shuffle: bool) -> List[int]:
    """The shards' order in this epoch (indices into ``manifest.shards``)."""
    import numpy as np
    n = len(manifest.shards)
    if not shuffle:
        return list(range(n))
    return [int(i) for i in np.random.default_rng(_seed(seed, epoch)).permutation(n)]


def consumer_range(total: int, consumer: int, consumers: int) -> Tuple[int, int]:
    """The [start, end) positions of the epoch's sequence that one of ``consumers`` reads: contiguous, sizes within
    one row of each other, covering every position once."""
    return total * consumer // consumers, total * (consumer + 1) // consumers


def iter_batches(manifest: Manifest, batch_size: int, shuffle: bool, seed: int, epoch: int, consumer: int,
                 consumers: int, drop_last: bool = False) -> Iterator[tuple]:
    """Numpy batches (features [B, F] float32, labels [B] or None) of this consumer's share of the epoch."""
    import numpy as np
    if batch_size < 1:
        raise _error(f"batch_size must be >= 1, got {batch_size}")
    if not 0 <= consumer < consumers:
        raise _error(f"consumer {consumer} is outside 0..{consumers - 1}")
    start, end = consumer_range(manifest.rows, consumer, consumers)
    pos = 0  # first position of the current shard in the epoch's sequence
    carry_x = carry_y = None  # fewer than batch_size rows left over from the shards before
    for s in epoch_order(manifest, seed, epoch, shuffle):
        shard = manifest.shards[s]
        lo, hi = max(start, pos), min(end, pos + shard.rows)
        if lo < hi:
            x, y = manifest.read_shard(shard)
            order = (np.random.default_rng(_seed(seed, epoch, s)).permutation(shard.rows) if shuffle
                     else np.arange(shard.rows))
            take = order[lo - pos:hi - pos]
            x = x[take]
            y = None if y is None else y[take]
            if carry_x is not None:
                x = np.concatenate([carry_x, x])
                y = None if y is None else np.concatenate([carry_y, y])
            full = len(x) // batch_size * batch_size
            for i in range(0, full, batch_size):
                yield x[i:i + batch_size], (None if y is None else y[i:i + batch_size])
            carry_x = x[full:] if full < len(x) else None
            carry_y = None if (y is None or carry_x is None) else y[full:]
        pos += shard.rows
        if pos >= end:
            break
    if carry_x is not None and not drop_last:
        yield carry_x, carry_y


def _distributed(rank: Optional[int], world_size: Optional[int]) -> Tuple[int, int]:
    if (rank is None) != (world_size is None):
        raise _error("give both rank and world_size, or neither (then torch.distributed's, if initialised)")
    if rank is None:
        try:
            import torch.distributed as dist
            if dist.is_available() and dist.is_initialized():
                return dist.get_rank(), dist.get_world_size()
        except ImportError:
            pass
        return 0, 1
    if world_size < 1 or not 0 <= rank < world_size:
        raise _error(f"rank {rank} with world_size {world_size}: need 0 <= rank < world_size")
    return rank, world_size


def torch_dataset(ref: str, batch_size: int, shuffle: bool = True, seed: Optional[int] = None, epoch: int = 0,
                  rank: Optional[int] = None, world_size: Optional[int] = None, drop_last: bool = False,
                  filesystem: Any = None):
    """A PyTorch ``IterableDataset`` over an ``ml.export`` that yields whole batches ``(features, label)``: features
    a float32 tensor [B, F], label int64 class indices (text/boolean labels, ``classes`` order) or float32 numbers;
    without a label, the features tensor alone. Use it with ``DataLoader(ds, batch_size=None, num_workers=N)``.

    Rows are split between DataLoader workers (``get_worker_info``) and distributed ranks (``torch.distributed`` if
    initialised, or ``rank``/``world_size``) so that each row is seen exactly once per epoch. Call
    ``set_epoch(e)`` before each epoch for a new, reproducible order (default seed: the export's)."""
    if int(batch_size) < 1:
        raise _error(f"batch_size must be >= 1, got {batch_size}")
    manifest = open_export(ref, filesystem)
    the_rank, the_world = _distributed(rank, world_size)
    return _torch_class()(manifest, int(batch_size), shuffle, manifest.seed if seed is None else int(seed),
                          int(epoch), the_rank, the_world, drop_last)


_TORCH_CLASS = None


def _torch_class():
    """The IterableDataset class, made on first use so that importing the SDK needs no torch; it is published as
    ``sluice.exports.TorchExportDataset`` so that DataLoader workers started by spawn can unpickle it."""
    global _TORCH_CLASS
    if _TORCH_CLASS is not None:
        return _TORCH_CLASS
    import torch
    from torch.utils.data import IterableDataset, get_worker_info

    class TorchExportDataset(IterableDataset):
        def __init__(self, manifest: Manifest, batch_size: int, shuffle: bool, seed: int, epoch: int, rank: int,
                     world_size: int, drop_last: bool) -> None:
            super().__init__()
            self.manifest, self.batch_size, self.shuffle = manifest, batch_size, shuffle
            self.seed, self.epoch, self.rank, self.world_size = seed, epoch, rank, world_size
            self.drop_last = drop_last
            self.features, self.label, self.classes = manifest.features, manifest.label, manifest.classes

        def set_epoch(self, epoch: int) -> None:
            """The epoch whose order the next iteration uses (call it before creating the epoch's iterator)."""
            self.epoch = int(epoch)

        def __iter__(self):
            info = get_worker_info()
            worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
            consumer = self.rank * workers + worker
            for x, y in iter_batches(self.manifest, self.batch_size, self.shuffle, self.seed, self.epoch, consumer,
                                     self.world_size * workers, self.drop_last):
                fx = torch.from_numpy(x)
                yield fx if y is None else (fx, torch.from_numpy(y))

    TorchExportDataset.__module__ = __name__
    globals()["TorchExportDataset"] = TorchExportDataset
    _TORCH_CLASS = TorchExportDataset
    return TorchExportDataset


class TfGenerator:
    """A callable for ``tf.data.Dataset.from_generator``: each call yields this epoch's numpy batches
    ``(features [B, F] float32, label [B])`` (features alone without a label). ``output_signature`` describes them
    as (shape, dtype) dicts: ``tuple(tf.TensorSpec(**s) for s in gen.output_signature)``."""

    def __init__(self, manifest: Manifest, batch_size: int, shuffle: bool, seed: int, epoch: int, shard_index: int,
                 num_shards: int, drop_last: bool) -> None:
        self.manifest, self.batch_size, self.shuffle = manifest, batch_size, shuffle
        self.seed, self.epoch, self.shard_index, self.num_shards = seed, epoch, shard_index, num_shards
        self.drop_last = drop_last
        feats = {"shape": (None, len(manifest.features)), "dtype": "float32", "name": "features"}
        if manifest.label is None:
            self.output_signature: tuple = (feats,)
        else:
            dtype = "int64" if manifest.classes is not None else "float32"
            self.output_signature = (feats, {"shape": (None,), "dtype": dtype, "name": "label"})

    def set_epoch(self, e: int) -> None:
        self.epoch = int(e)

    def __call__(self) -> Iterator[tuple]:
        for x, y in iter_batches(self.manifest, self.batch_size, self.shuffle, self.seed, self.epoch,
                                 self.shard_index, self.num_shards, self.drop_last):
            yield (x,) if y is None else (x, y)


def tf_generator(ref: str, batch_size: int, shuffle: bool = True, seed: Optional[int] = None, epoch: int = 0,
                 shard_index: int = 0, num_shards: int = 1, drop_last: bool = False,
                 filesystem: Any = None) -> TfGenerator:
    """The same batches as :func:`torch_dataset`, as numpy arrays for ``tf.data.Dataset.from_generator``.
    ``shard_index``/``num_shards`` split the rows between input pipelines (e.g. a ``tf.distribute`` input context's
    ``input_pipeline_id`` / ``num_input_pipelines``), each row seen once per epoch across them."""
    if int(batch_size) < 1:
        raise _error(f"batch_size must be >= 1, got {batch_size}")
    if num_shards < 1 or not 0 <= shard_index < num_shards:
        raise _error(f"shard_index {shard_index} with num_shards {num_shards}: need 0 <= shard_index < num_shards")
    manifest = open_export(ref, filesystem)
    return TfGenerator(manifest, int(batch_size), shuffle, manifest.seed if seed is None else int(seed), int(epoch),
                       shard_index, num_shards, drop_last)
