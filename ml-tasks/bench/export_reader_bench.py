"""Examples per second: sluice.torch_dataset over an ml.export vs pandas reading the same Parquet shards.

Usage: python export_reader_bench.py MANIFEST [batch_size] [repeats]. Every reader yields float32 feature batches
and int64 labels of batch_size rows, the form a training loop consumes; the model step is left out, so this is the
input pipeline alone. pandas reads each shard whole (pd.read_parquet), converts it with to_numpy and slices it, in
the shards' own order (no shuffle); the Sluice reader shuffles shards and rows per epoch.
"""
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "clients", "python", "src"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sluice  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

manifest = sys.argv[1]
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 256
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
torch.set_num_threads(1)
# pandas 3 hands out read-only arrays (copy-on-write); the batches are only counted here, never written.
warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
m = sluice.open_export(manifest)
classes = m.classes


def pandas_epoch():
    n = 0
    for shard in m.shards:
        df = pd.read_parquet(shard.location, columns=m.features + [m.label])
        x = df[m.features].to_numpy(dtype=np.float32)
        y = df[m.label].map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.int64)
        for i in range(0, len(x), batch):
            bx, by = torch.from_numpy(x[i:i + batch]), torch.from_numpy(y[i:i + batch])
            n += len(by)
    return n


def sluice_epoch(workers, shuffle=True, epoch=0):
    ds = sluice.torch_dataset(manifest, batch_size=batch, shuffle=shuffle)
    ds.set_epoch(epoch)
    n = 0
    for x, y in DataLoader(ds, batch_size=None, num_workers=workers):
        n += len(y)
    return n


def timed(name, fn):
    for r in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        n = fn(r)
        s = time.perf_counter() - t0
        # process_time covers this process only: DataLoader workers' CPU is not in it.
        print(f"| {name} | run {r + 1} | {n:,} | {s:.2f} s | {n / s:,.0f} |", flush=True)
        assert n == m.rows, (n, m.rows)


print(f"export: {m.rows:,} rows x {len(m.features)} features in {len(m.shards)} shards; batch {batch}")
print("| reader | run | examples | wall | examples/s |")
print("|---|---|---:|---:|---:|")
timed("pandas.read_parquet + to_numpy, shard order", lambda r: pandas_epoch())
timed("sluice.torch_dataset, shuffle, 0 workers", lambda r: sluice_epoch(0, epoch=r))
timed("sluice.torch_dataset, shuffle, 2 workers", lambda r: sluice_epoch(2, epoch=r))
timed("sluice.torch_dataset, no shuffle, 0 workers", lambda r: sluice_epoch(0, shuffle=False))
