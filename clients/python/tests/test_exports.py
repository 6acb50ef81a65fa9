"""The readers of an ml.export: every row exactly once per epoch across DataLoader workers x ranks, a new order per
epoch, the same order for the same seed and epoch; local files, an attempt's fetched artifacts, and S3 (moto).

The export is written here in ml.export's layout (content-addressed shards and manifest under artifacts/sha256/) or,
when SLUICE_EXPORT_MANIFEST is set, is the one ml.export wrote (ExportTaskTest runs this file on its output). Either
way feature 0 is the row's id and the label its class, so each row can be recognised in a batch."""
import hashlib
import importlib
import io
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

ROWS = 1003  # not a multiple of shards x consumers: ranges and batches have remainders


def _put(root: Path, data: bytes) -> str:
    h = hashlib.sha256(data).hexdigest()
    p = root / "sha256" / h[:2] / h
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return h


def _label(i: int) -> str:
    return "b" if i % 3 == 0 else "a"


def write_export(root: Path, rows: int = ROWS, shards: int = 5, seed: int = 7) -> str:
    """An export as ml.export lays it out: rows dealt round-robin from a seeded shuffle; returns the manifest path."""
    order = np.random.default_rng(seed).permutation(rows)
    entries = []
    for k in range(shards):
        ids = order[k::shards]
        t = pa.table({"id": pa.array(ids.astype(np.float64)), "twice": pa.array((ids * 2).astype(np.float64)),
                      "flag": pa.array([bool(i % 2) for i in ids]), "y": pa.array([_label(int(i)) for i in ids])})
        buf = io.BytesIO()
        pq.write_table(t, buf)
        h = _put(root, buf.getvalue())
        entries.append({"ref": "sha256:" + h, "path": f"sha256/{h[:2]}/{h}", "rows": len(ids), "bytes": 0})
    manifest = {"format": "sluice.export", "format_version": 1, "source": "sha256:" + "0" * 64, "rows": rows,
                "rows_without_label": 0, "seed": seed, "features": ["id", "twice", "flag"],
                "label": {"name": "y", "type": "string", "classes": ["a", "b"]},
                "schema": [{"name": "id", "type": "number"}, {"name": "twice", "type": "number"},
                           {"name": "flag", "type": "boolean"}, {"name": "y", "type": "string"}],
                "shards": entries}
    h = _put(root, json.dumps(manifest).encode())
    return str(root / "sha256" / h[:2] / h)


@pytest.fixture
def sdk(tmp_path, monkeypatch):
    """The SDK outside an attempt (the reader takes manifest paths and URIs)."""
    monkeypatch.delenv("SLUICE_ATTEMPT_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    import sluice
    mod = importlib.reload(sluice)
    mod._attempt = None
    return mod


@pytest.fixture
def export(tmp_path):
    given = os.environ.get("SLUICE_EXPORT_MANIFEST")
    if given:
        return given, int(os.environ["SLUICE_EXPORT_ROWS"])
    return write_export(tmp_path / "artifacts"), ROWS


def one_epoch(sdk, manifest, epoch, seed=None, workers=2, world_size=2, batch_size=16):
    """Row ids in the order each (rank, worker) saw them, the ranks simulated one after the other."""
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader
    seen = {}
    for rank in range(world_size):
        ds = sdk.torch_dataset(manifest, batch_size=batch_size, seed=seed, rank=rank, world_size=world_size)
        ds.set_epoch(epoch)
        for x, y in DataLoader(ds, batch_size=None, num_workers=workers):
            assert x.dtype == torch.float32 and y.dtype == torch.int64
            assert x.shape[0] == y.shape[0] <= batch_size and x.shape[1] == len(ds.features)
            ids = x[:, 0].long().tolist()
            assert y.tolist() == [ds.classes.index(_label(i)) for i in ids]  # the label travels with its row
            seen.setdefault(rank, []).extend(ids)
    return seen


def test_every_row_once_per_epoch_across_two_workers_and_two_ranks(sdk, export):
    manifest, rows = export
    e0 = one_epoch(sdk, manifest, 0)
    e1 = one_epoch(sdk, manifest, 1)
    for seen in (e0, e1):
        everything = seen[0] + seen[1]
        assert sorted(everything) == list(range(rows)), "a row was missed or seen twice"
        assert abs(len(seen[0]) - len(seen[1])) <= 1, "ranks get the same amount of work"
    assert e0[0] + e0[1] != e1[0] + e1[1], "each epoch has its own order"
    assert set(e0[0]) != set(e1[0]), "and ranks get other rows from epoch to epoch"
    assert one_epoch(sdk, manifest, 1) == e1, "same seed and epoch, same order"
    other = one_epoch(sdk, manifest, 1, seed=12345)
    assert other != e1 and sorted(other[0] + other[1]) == list(range(rows))


def test_the_order_does_not_depend_on_the_number_of_workers(sdk, export):
    manifest, _ = export
    ordered = lambda seen: seen[0] + seen.get(1, [])
    # one consumer reads the epoch's whole sequence; several read contiguous ranges of it, in rank-major order
    single = one_epoch(sdk, manifest, 3, workers=0, world_size=1)[0]
    split = one_epoch(sdk, manifest, 3, workers=0, world_size=2)
    assert ordered(split) == single


def test_without_shuffle_rows_come_in_the_exports_own_order_every_epoch(sdk, export):
    torch = pytest.importorskip("torch")
    manifest, rows = export
    ds = sdk.torch_dataset(manifest, batch_size=100, shuffle=False)
    first = torch.cat([x[:, 0] for x, _ in ds]).long().tolist()
    ds.set_epoch(5)
    assert torch.cat([x[:, 0] for x, _ in ds]).long().tolist() == first
    assert sorted(first) == list(range(rows))


def test_tf_generator_yields_numpy_batches_with_a_signature(sdk, export):
    manifest, rows = export
    seen = []
    for k in range(3):  # three input pipelines
        gen = sdk.tf_generator(manifest, batch_size=50, shard_index=k, num_shards=3, epoch=2)
        assert gen.output_signature == ({"shape": (None, len(gen.manifest.features)), "dtype": "float32",
                                         "name": "features"},
                                        {"shape": (None,), "dtype": "int64", "name": "label"})
        for x, y in gen():
            assert isinstance(x, np.ndarray) and x.dtype == np.float32 and y.dtype == np.int64
            seen.extend(int(v) for v in x[:, 0])
    assert sorted(seen) == list(range(rows))
    again = sdk.tf_generator(manifest, batch_size=50, epoch=2)
    assert [int(v) for x, _ in again() for v in x[:, 0]] == seen, "same order as the three pipelines in turn"


def test_drop_last_keeps_only_full_batches(sdk, export):
    manifest, rows = export
    gen = sdk.tf_generator(manifest, batch_size=64, drop_last=True)
    sizes = [len(x) for x, _ in gen()]
    assert set(sizes) == {64} and len(sizes) == rows // 64


def test_bad_arguments_say_what_is_wrong(sdk, export, tmp_path):
    pytest.importorskip("torch")
    manifest, _ = export
    with pytest.raises(sdk.SluiceError, match="batch_size must be >= 1"):
        sdk.torch_dataset(manifest, batch_size=0)
    with pytest.raises(sdk.SluiceError, match="rank 2 with world_size 2"):
        sdk.torch_dataset(manifest, batch_size=8, rank=2, world_size=2)
    with pytest.raises(sdk.SluiceError, match="give both rank and world_size"):
        sdk.torch_dataset(manifest, batch_size=8, rank=0)
    with pytest.raises(sdk.SluiceError, match="cannot read the export manifest"):
        sdk.torch_dataset(str(tmp_path / "nope.json"), batch_size=8)
    other = tmp_path / "other.json"
    other.write_text('{"format": "something", "shards": []}')
    with pytest.raises(sdk.SluiceError, match="is not an ml.export manifest"):
        sdk.open_export(str(other))
    newer = tmp_path / "newer.json"
    newer.write_text('{"format": "sluice.export", "format_version": 99, "shards": []}')
    with pytest.raises(sdk.SluiceError, match="newer than this SDK reads"):
        sdk.open_export(str(newer))


def test_inside_a_task_an_upstream_export_is_read_from_the_fetched_artifacts(tmp_path, monkeypatch):
    """The worker fetches the manifest and every shard named in ml.export's output and lists them in context.json."""
    torch = pytest.importorskip("torch")
    root = tmp_path / "elsewhere"
    manifest_path = write_export(root, rows=40, shards=4)
    doc = json.loads(Path(manifest_path).read_text())
    manifest_ref = "sha256:" + Path(manifest_path).name
    fetched = {manifest_ref: manifest_path}
    for s in doc["shards"]:
        fetched[s["ref"]] = str(root / s["path"])
    d = tmp_path / "attempt"
    d.mkdir()
    (d / "context.json").write_text(json.dumps({
        "protocol": 1, "params": {}, "artifacts": fetched,
        "upstream": {"export": {"manifest": manifest_ref, "shards": [s["ref"] for s in doc["shards"]]},
                     "split": {"train": "sha256:" + "c" * 64}}}))
    monkeypatch.setenv("SLUICE_ATTEMPT_DIR", str(d))
    import sluice
    sdk = importlib.reload(sluice)
    sdk._attempt = None
    ids = torch.cat([x[:, 0] for x, _ in sdk.torch_dataset("export", batch_size=8)]).long().tolist()
    assert sorted(ids) == list(range(40))
    with pytest.raises(sdk.SluiceError, match="upstream task 'split' is no ml.export"):
        sdk.torch_dataset("split", batch_size=8)
    del fetched[doc["shards"][0]["ref"]]
    (d / "context.json").write_text(json.dumps({"protocol": 1, "params": {}, "artifacts": fetched,
                                                "upstream": {"export": {"manifest": manifest_ref}}}))
    sdk._attempt = None
    with pytest.raises(sdk.SluiceError, match="was not fetched for this task"):
        sdk.torch_dataset("export", batch_size=8)


def test_an_export_in_s3_is_read_through_pyarrow(sdk, tmp_path, monkeypatch):
    """A real S3-compatible server (moto's); shards are found beside the manifest under the same artifacts/ root."""
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for k, v in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                     "AWS_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(k, v)
        local = tmp_path / "store" / "artifacts"
        manifest_path = write_export(local, rows=120, shards=3)
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="lake")
        for f in local.rglob("*"):
            if f.is_file():
                s3.upload_file(str(f), "lake", "prefix/artifacts/" + f.relative_to(local).as_posix())
        uri = "s3://lake/prefix/artifacts/" + Path(manifest_path).relative_to(local).as_posix()
        gen = sdk.tf_generator(uri, batch_size=32, num_shards=2, shard_index=0)
        first = [int(v) for x, _ in gen() for v in x[:, 0]]
        gen2 = sdk.tf_generator(uri, batch_size=32, num_shards=2, shard_index=1)
        second = [int(v) for x, _ in gen2() for v in x[:, 0]]
        assert sorted(first + second) == list(range(120)) and len(first) == 60
        with pytest.raises(sdk.SluiceError, match="cannot read the export manifest s3://lake/nope"):
            sdk.open_export("s3://lake/nope")
    finally:
        server.stop()
