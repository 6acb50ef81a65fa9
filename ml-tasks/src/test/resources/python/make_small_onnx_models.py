"""Writes small ONNX models of the shapes OnnxPredictor must take, and sklearn's own answers for their first rows
(expected.json): a binary Pipeline with skl2onnx's ZipMap output and one input per column, a multiclass model over
a single float matrix, and a regression with an int64 and a double input. Argument: the folder to write to."""
import json, sys, os
import numpy as np, pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from skl2onnx import convert_sklearn, to_onnx
from skl2onnx.common.data_types import FloatTensorType, StringTensorType, Int64TensorType, DoubleTensorType
out = sys.argv[1]
rng = np.random.default_rng(0)
n = 200
df = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["red", "green", "blue"], size=n), "k": rng.integers(0, 10, size=n)})
y = np.where(df.x + (df.c == "red") * 1.0 + rng.normal(scale=0.5, size=n) > 0.5, "yes", "no")
expected = {}
# a) binary with ZipMap, one input per column
pipe = Pipeline([("cols", ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), ["c"]), ("x", "passthrough", ["x"])])),
                 ("m", LogisticRegression())]).fit(df[["x", "c"]], y)
onx = convert_sklearn(pipe, initial_types=[("x", FloatTensorType([None, 1])), ("c", StringTensorType([None, 1]))])
open(os.path.join(out, "binary_zipmap.onnx"), "wb").write(onx.SerializeToString())
rows = df[["x", "c"]].head(20)
expected["binary_zipmap"] = {"classes": list(pipe.classes_), "rows": rows.to_dict("records"),
                             "p": pipe.predict_proba(rows)[:, 1].tolist()}
# b) multiclass over a single float matrix [N, 2], probabilities tensor
X = df[["x", "k"]].to_numpy(dtype=np.float32)
yc = np.array(["a", "b", "c"])[(df.k.to_numpy() // 4)]
lr = LogisticRegression(max_iter=500).fit(X, yc)
onx = to_onnx(lr, X[:1], options={"zipmap": False})
open(os.path.join(out, "multiclass_matrix.onnx"), "wb").write(onx.SerializeToString())
expected["multiclass_matrix"] = {"classes": list(lr.classes_), "rows": df[["x", "k"]].head(20).astype(float).to_dict("records"),
                                 "p": lr.predict_proba(X[:20]).tolist()}
# c) regression with an int64 input per column
reg = Pipeline([("cols", ColumnTransformer([("k", "passthrough", ["k"]), ("x", "passthrough", ["x"])])), ("m", LinearRegression())])
reg.fit(df[["k", "x"]], df.x * 2 + df.k)
onx = convert_sklearn(reg, initial_types=[("k", Int64TensorType([None, 1])), ("x", DoubleTensorType([None, 1]))])
open(os.path.join(out, "regression_int64.onnx"), "wb").write(onx.SerializeToString())
rr = df[["k", "x"]].head(20)
expected["regression_int64"] = {"rows": [{"k": int(a), "x": float(b)} for a, b in rr.to_numpy()], "p": reg.predict(rr).tolist()}
json.dump(expected, open(os.path.join(out, "expected.json"), "w"))
