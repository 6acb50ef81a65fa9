"""Trains a small PyTorch MLP on CPU from the shards ml.export wrote, and hands it to Sluice as an ONNX model.

The network learns on ml.preprocess's features (imputed, scaled, one-hot). Callers of the predict API send raw rows,
so the same fitted transform (the preprocess task's `transform` artifact: impute, scale and one-hot steps with their
frozen parameters) is written as ONNX nodes in front of the exported network: one graph from raw columns to
P(>50K), which is what ml.evaluate judges and what is served.
"""
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import pyarrow.parquet as pq
import sluice
import torch
from onnx import TensorProto, helper
from torch.utils.data import DataLoader

POSITIVE = ">50K"
p = sluice.params
seed, epochs, batch_size = int(p["seed"]), int(p["epochs"]), int(p["batch_size"])
torch.manual_seed(seed)
torch.set_num_threads(1)  # small batches on a shared CPU: more threads only add contention

data = sluice.torch_dataset("export", batch_size=batch_size, seed=seed)
label, classes, features = data.label, data.classes, data.features
positive = classes.index(POSITIVE)

model = torch.nn.Sequential(
    torch.nn.Linear(len(features), int(p["hidden"])),
    torch.nn.ReLU(),
    torch.nn.Linear(int(p["hidden"]), int(p["hidden"])),
    torch.nn.ReLU(),
    torch.nn.Linear(int(p["hidden"]), 1),
)
optimizer = torch.optim.Adam(model.parameters(), lr=float(p["learning_rate"]))
loss_fn = torch.nn.BCEWithLogitsLoss()

# Validation rows: the preprocessed validation split, same features in the same order.
val = pq.read_table(sluice.dataset_path(sluice.upstream("preprocess", "validation")), columns=features + [label])
x_val = torch.from_numpy(np.column_stack([val.column(f).to_numpy().astype(np.float32) for f in features]))
y_val = torch.tensor([1.0 if v == POSITIVE else 0.0 for v in val.column(label).to_pylist()])


def roc_auc(scores, truth):
    """ROC-AUC by the rank-sum formula (ties averaged): no scikit-learn needed in this environment."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = truth == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


sluice.log_params({"algorithm": "pytorch_mlp", "epochs": epochs, "batch_size": batch_size, "hidden": int(p["hidden"]),
                   "learning_rate": float(p["learning_rate"]), "seed": seed, "features": len(features)})
for epoch in range(epochs):
    data.set_epoch(epoch)  # a new order of the shards and rows each epoch, the same for the same seed
    model.train()
    total, rows = 0.0, 0
    for x, y in DataLoader(data, batch_size=None, num_workers=int(p["workers"])):
        optimizer.zero_grad()
        loss = loss_fn(model(x).squeeze(1), (y == positive).float())
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        rows += len(y)
    model.eval()
    with torch.no_grad():
        logits = model(x_val).squeeze(1)
        val_loss = loss_fn(logits, y_val).item()
        val_auc = roc_auc(torch.sigmoid(logits).numpy(), y_val.numpy())
    sluice.log_metrics({"train_loss": total / rows, "validation_loss": val_loss, "validation_roc_auc": val_auc},
                       step=epoch + 1)
    print(f"epoch {epoch + 1}/{epochs}: {rows} rows, train loss {total / rows:.4f}, validation loss {val_loss:.4f},"
          f" ROC-AUC {val_auc:.4f}", file=sys.stderr)

# The network alone, features in, P(positive) out.
work = tempfile.mkdtemp()
net_path = os.path.join(work, "net.onnx")
scored = torch.nn.Sequential(model, torch.nn.Sigmoid())
# The TorchScript exporter (dynamo=False) needs only the onnx package; the default one would also need onnxscript.
torch.onnx.export(scored, (x_val[:2],), net_path, input_names=["features"], output_names=["probability"],
                  dynamic_axes={"features": {0: "n"}, "probability": {0: "n"}}, dynamo=False)

# The fitted transform as ONNX nodes: raw columns in (numbers as double, text as string; the JVM feeds a missing
# number as NaN and a missing text as ""), the features above out, in their order.
transform = json.load(open(sluice.dataset_path(sluice.upstream("preprocess", "transform"))))
nodes, inits, inputs, outputs = [], [], {}, {}
schema = {c["name"]: str(c["type"]).lower() for c in transform["input"]["columns"]}


def const(name, dtype, value):
    inits.append(helper.make_tensor(name, dtype, [], [value.encode() if dtype == TensorProto.STRING else value]))
    return name


def current(column):
    """The tensor holding the column's value after the steps so far; the raw input at first."""
    if column not in outputs:
        text = schema[column] == "string"
        inputs[column] = helper.make_tensor_value_info(column, TensorProto.STRING if text else TensorProto.DOUBLE,
                                                       [None, 1])
        outputs[column] = column
    return outputs[column]


for i, step in enumerate(transform["steps"]):
    kind, col = step["op"], step.get("column")
    x, out = current(col) if col else None, f"s{i}_{col}"
    if kind == "impute" and schema[col] == "string":
        nodes += [helper.make_node("Equal", [x, const(f"s{i}_empty", TensorProto.STRING, "")], [out + "_missing"]),
                  helper.make_node("Where", [out + "_missing", const(f"s{i}_v", TensorProto.STRING,
                                                                      str(step["value"])), x], [out])]
    elif kind == "impute":
        nodes += [helper.make_node("IsNaN", [x], [out + "_missing"]),
                  helper.make_node("Where", [out + "_missing", const(f"s{i}_v", TensorProto.DOUBLE,
                                                                      float(step["value"])), x], [out])]
    elif kind == "scale":
        nodes += [helper.make_node("Sub", [x, const(f"s{i}_c", TensorProto.DOUBLE, float(step["center"]))],
                                   [out + "_c"]),
                  helper.make_node("Div", [out + "_c", const(f"s{i}_s", TensorProto.DOUBLE, float(step["scale"]))],
                                   [out])]
    elif kind == "one_hot":
        for k, cat in enumerate(step["categories"]):
            name = f"{col}={cat}"
            nodes += [helper.make_node("Equal", [x, const(f"s{i}_{k}", TensorProto.STRING, cat)], [f"s{i}_{k}_eq"]),
                      helper.make_node("Cast", [f"s{i}_{k}_eq"], [f"s{i}_{k}_f"], to=TensorProto.DOUBLE)]
            outputs[name] = f"s{i}_{k}_f"
        continue
    elif kind == "select":
        continue
    else:
        sys.exit(f"train.py turns impute, scale and one_hot steps into ONNX; the transform has a {kind!r} step")
    outputs[col] = out
missing = [f for f in features if f not in outputs]
if missing:
    sys.exit(f"no ONNX form for features {missing}")
nodes += [helper.make_node("Concat", [outputs[f] for f in features], ["features_double"], axis=1),
          helper.make_node("Cast", ["features_double"], ["features"], to=TensorProto.FLOAT)]

net = onnx.load(net_path)
graph = net.graph
del graph.input[:]
graph.input.extend(inputs[c] for c in schema if c in inputs)
for n in reversed(nodes):
    graph.node.insert(0, n)
graph.initializer.extend(inits)
onnx.checker.check_model(net)
path = os.path.join(work, "adult_income_torch.onnx")
onnx.save(net, path)

sluice.save_model(path, input_schema={c: "string" if schema[c] == "string" else "double" for c in schema if c in inputs},
                  problem="binary", classes=classes, positive_class=POSITIVE, framework="pytorch", label=label,
                  trained_on=sluice.upstream("split", "train"))
