"""The SDK's side of the attempt-file protocol; the worker's side is tested in Java on real runs."""
import importlib
import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


@pytest.fixture
def attempt(tmp_path, monkeypatch):
    """A fresh SDK module bound to an attempt directory prepared as a worker would."""
    d = tmp_path / "attempt"
    d.mkdir()
    data = tmp_path / "in.parquet"
    ctx = {"protocol": 1, "dag_id": "d", "run_id": "r", "task_id": "t", "attempt": 1,
           "logical_date": "2026-12-07T00:00:00Z", "params": {"rows": 7, "name": "x"},
           "upstream": {"split": {"train": "sha256:" + "a" * 64, "rows": 3}},
           "artifacts": {"sha256:" + "a" * 64: str(data)}}
    (d / "context.json").write_text(json.dumps(ctx))
    monkeypatch.setenv("SLUICE_ATTEMPT_DIR", str(d))
    import sluice
    sdk = importlib.reload(sluice)
    sdk._attempt = None
    return sdk, d, data


def outputs(d):
    return json.loads((d / "result" / "outputs.json").read_text())


def test_params_context_and_upstream_come_from_the_context_file(attempt):
    sdk, _, _ = attempt
    assert sdk.params["rows"] == 7
    with pytest.raises(TypeError):
        sdk.params["rows"] = 8  # read-only
    assert sdk.context["task_id"] == "t"
    assert sdk.upstream("split", "rows") == 3
    assert sdk.upstream("split")["train"].startswith("sha256:")
    with pytest.raises(sdk.SluiceError, match="no output of upstream task 'nope'.*\\['split'\\]"):
        sdk.upstream("nope")
    with pytest.raises(sdk.SluiceError, match="has no output 'x'"):
        sdk.upstream("split", "x")


def test_datasets_round_trip_through_parquet_and_become_artifact_outputs(attempt):
    pd = pytest.importorskip("pandas")  # installed by scripts/python-env; importorskip only for a bare checkout
    sdk, d, data = attempt
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]}).to_parquet(data, index=False)
    df = sdk.read_dataset(sdk.upstream("split", "train"))
    assert list(df["a"]) == [1, 2, 3]
    df["c"] = df["a"] * 2
    sdk.write_dataset(df, "scored")
    art = outputs(d)["scored"]["$artifact"]
    assert art["kind"] == "dataset"
    back = pd.read_parquet(d / "result" / art["path"])
    assert list(back["c"]) == [2, 4, 6]
    with pytest.raises(sdk.SluiceError, match="not among this task's inputs"):
        sdk.dataset_path("sha256:" + "b" * 64)


def test_params_metrics_outputs_and_artifacts_are_recorded_for_the_worker(attempt, tmp_path):
    sdk, d, _ = attempt
    sdk.log_params({"depth": 6, "lr": 0.1})
    sdk.log_metrics({"loss": 0.5}, step=1)
    sdk.log_metrics({"loss": 0.25, "auc": 0.9}, step=2)
    sdk.output("best_epoch", 2)
    report = tmp_path / "report.html"
    report.write_text("<p>ok</p>")
    sdk.log_artifact(str(report), "report")
    assert json.loads((d / "result" / "params.json").read_text()) == {"depth": 6, "lr": 0.1}
    lines = [json.loads(l) for l in (d / "result" / "metrics.jsonl").read_text().splitlines()]
    assert [(l["name"], l["value"], l["step"]) for l in lines] == [("loss", 0.5, 1), ("loss", 0.25, 2), ("auc", 0.9, 2)]
    out = outputs(d)
    assert out["best_epoch"] == 2
    assert (d / "result" / out["report"]["$artifact"]["path"]).read_text() == "<p>ok</p>"


def test_bad_values_are_refused_with_a_message_that_names_them(attempt):
    sdk, _, _ = attempt
    with pytest.raises(sdk.SluiceError, match="metric loss: nan is not a finite number"):
        sdk.log_metrics({"loss": math.nan})
    with pytest.raises(sdk.SluiceError, match="metric note"):
        sdk.log_metrics({"note": "high"})
    with pytest.raises(sdk.SluiceError, match="output key 'a b'"):
        sdk.output("a b", 1)
    with pytest.raises(sdk.SluiceError, match="reserved key"):
        sdk.output("x", {"$artifact": {"path": "/etc/passwd"}})
    with pytest.raises(sdk.SluiceError, match="object is not a JSON value"):
        sdk.output("x", object())


def test_save_model_checks_labels_and_schema_and_outputs_a_bundle(attempt, tmp_path):
    sdk, d, _ = attempt
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    with pytest.raises(sdk.SluiceError, match="give classes"):
        sdk.save_model(str(onnx), {"age": "double"}, "binary")
    with pytest.raises(sdk.SluiceError, match="label 'age' is also in input_schema"):
        sdk.save_model(str(onnx), {"age": "double"}, "binary", classes=["good", "bad"], label="age")
    with pytest.raises(sdk.SluiceError, match="positive_class 'yes' is not one of"):
        sdk.save_model(str(onnx), {"age": "double"}, "binary", positive_class="yes", classes=["good", "bad"])
    with pytest.raises(sdk.SluiceError, match="input_schema\\['age'\\] = 'float'"):
        sdk.save_model(str(onnx), {"age": "float"}, "binary", classes=["good", "bad"])
    sdk.save_model(str(onnx), {"age": "double", "job": "string"}, "binary", positive_class="bad",
                   classes=["good", "bad"], framework="sklearn")
    art = outputs(d)["bundle"]["$artifact"]
    assert art["kind"] == "model"
    assert art["model"]["positive_class"] == "bad"
    assert art["model"]["classes"] == ["good", "bad"]
    assert (d / "result" / art["path"]).read_bytes() == b"\x08\x07"


def test_save_model_reads_the_classes_from_the_graph_and_refuses_another_order(attempt, tmp_path):
    sdk, d, _ = attempt
    pytest.importorskip("skl2onnx")
    import numpy as np
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression
    x = np.array([[0.0], [1.0], [2.0], [3.0]], dtype=np.float32)
    model = LogisticRegression().fit(x, ["no", "no", "yes", "yes"])
    onnx = tmp_path / "lr.onnx"
    onnx.write_bytes(to_onnx(model, x[:1], options={"zipmap": False}).SerializeToString())
    sdk.save_model(str(onnx), {"x": "double"}, "binary", label="y", trained_on="sha256:" + "a" * 64)
    meta = outputs(d)["bundle"]["$artifact"]["model"]
    assert meta["classes"] == ["no", "yes"] and meta["positive_class"] == "yes"
    assert meta["label"] == "y" and meta["trained_on"] == "sha256:" + "a" * 64
    with pytest.raises(sdk.SluiceError, match="differ from the classes of the ONNX graph"):
        sdk.save_model(str(onnx), {"x": "double"}, "binary", classes=["yes", "no"])


def test_outside_sluice_the_same_calls_work_locally(tmp_path, monkeypatch):
    monkeypatch.delenv("SLUICE_ATTEMPT_DIR", raising=False)
    monkeypatch.setenv("SLUICE_PARAMS", '{"rows": 3}')
    monkeypatch.chdir(tmp_path)
    import sluice
    sdk = importlib.reload(sluice)
    sdk._attempt = None
    assert sdk.params["rows"] == 3
    sdk.log_metrics({"loss": 1.0})
    sdk.output("n", 1)
    assert json.loads((tmp_path / "sluice-local" / "result" / "outputs.json").read_text()) == {"n": 1}
