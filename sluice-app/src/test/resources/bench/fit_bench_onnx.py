"""PredictBenchmark's ONNX model: a scikit-learn Pipeline fitted on the generated customers' training split, converted
whole with skl2onnx and saved as the task's model bundle, then deployed as bench_onnx.

It stands beside the built-in XGBoost model of the benchmark: the same raw columns and label, comparable work
(median imputation and one-hot in the graph, 100 boosting iterations of depth up to 6), so the two kinds' serving
and batch scoring costs can be set side by side.
"""
import os
import tempfile

import sluice
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

LABEL, POSITIVE = "outcome", "left"
NUMBERS, TEXT, FLAGS = ["age", "income"], ["region"], ["premium"]

train_ref = sluice.upstream("split", "train")
train = sluice.read_dataset(train_ref)


def inputs(df):
    """The rows as the JVM feeds the graph: numbers as floats (NaN when missing), the flag as 1/0, text as is."""
    x = df[NUMBERS + TEXT + FLAGS].copy()
    for c in NUMBERS + FLAGS:
        x[c] = x[c].astype("float64")
    return x


pipe = Pipeline([
    ("columns", ColumnTransformer([
        ("numbers", SimpleImputer(strategy="median"), NUMBERS),
        ("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), TEXT),
        ("flags", "passthrough", FLAGS),
    ])),
    # early_stopping off: sklearn would otherwise stop before 100 iterations on more than 10,000 rows.
    ("model", HistGradientBoostingClassifier(max_iter=100, max_depth=6, learning_rate=0.1, early_stopping=False,
                                             random_state=0)),
])
pipe.fit(inputs(train), train[LABEL])
sluice.log_params({"algorithm": "hist_gradient_boosting", "max_iter": 100, "max_depth": 6,
                   "iterations": int(pipe.named_steps["model"].n_iter_)})

# One input per column, named after it (the flag as a float: the JVM sends true/false as 1/0); probabilities as a
# plain tensor (no ZipMap).
types = [(c, StringTensorType([None, 1]) if c in TEXT else FloatTensorType([None, 1])) for c in NUMBERS + TEXT + FLAGS]
onx = convert_sklearn(pipe, initial_types=types, options={id(pipe): {"zipmap": False}})
path = os.path.join(tempfile.mkdtemp(), "bench.onnx")
with open(path, "wb") as f:
    f.write(onx.SerializeToString())
sluice.save_model(path, input_schema={"age": "double", "income": "double", "region": "string", "premium": "boolean"},
                  problem="binary", classes=list(pipe.classes_), positive_class=POSITIVE, framework="sklearn",
                  label=LABEL, trained_on=train_ref)
