"""Fits a scikit-learn Pipeline on the training split that ml.split wrote and hands it to Sluice as an ONNX model.

The preprocessing (one-hot encoding of the text columns) is inside the Pipeline, so skl2onnx converts it with the
classifier into one graph: what ml.evaluate judges is exactly what the predict API serves.
"""
import os
import sys
import tempfile

import pandas as pd
import sluice
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

LABEL, POSITIVE = "income", ">50K"
train_ref = sluice.upstream("split", "train")
train = sluice.read_dataset(train_ref)
validation = sluice.read_dataset(sluice.upstream("split", "validation"))
features = [c for c in train.columns if c != LABEL]
text = [c for c in features if not pd.api.types.is_numeric_dtype(train[c])]
numbers = [c for c in features if c not in text]


def inputs(df):
    """The rows as the served model receives them: a missing text as "", numbers as doubles (NaN when missing)."""
    x = df[features].copy()
    for c in text:
        x[c] = x[c].fillna("")
    for c in numbers:
        x[c] = x[c].astype("float64")
    return x


params = {
    "learning_rate": float(sluice.params["learning_rate"]),
    "max_iter": int(sluice.params["max_iter"]),
    "max_leaf_nodes": 31,
    "random_state": int(sluice.params["seed"]),
}
# Trees need no scaling: numbers pass through as they are, which also keeps them exact in the graph's float inputs
# (Adult's numbers are whole and below 2^24), so every row takes the same branches in ONNX as in scikit-learn.
pipe = Pipeline([
    ("columns", ColumnTransformer([
        ("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), text),
        ("numbers", "passthrough", numbers),
    ])),
    ("model", HistGradientBoostingClassifier(**params)),
])
pipe.fit(inputs(train), train[LABEL])

x_val, y_val = inputs(validation), validation[LABEL]
p_val = pipe.predict_proba(x_val)[:, list(pipe.classes_).index(POSITIVE)]
metrics = {
    "validation_roc_auc": float(roc_auc_score(y_val == POSITIVE, p_val)),
    "validation_accuracy": float(accuracy_score(y_val, pipe.predict(x_val))),
}
sluice.log_params({**params, "algorithm": "hist_gradient_boosting", "text_columns": len(text),
                   "number_columns": len(numbers)})
sluice.log_metrics(metrics)
print(f"fitted on {len(train)} rows; validation: {metrics}", file=sys.stderr)

# One graph input per column, named after it; probabilities as a plain tensor (no ZipMap).
types = [(c, StringTensorType([None, 1]) if c in text else FloatTensorType([None, 1])) for c in features]
onx = convert_sklearn(pipe, initial_types=types, options={id(pipe): {"zipmap": False}})
path = os.path.join(tempfile.mkdtemp(), "adult_income.onnx")
with open(path, "wb") as f:
    f.write(onx.SerializeToString())
sluice.save_model(path, input_schema={c: "string" if c in text else "double" for c in features},
                  problem="binary", classes=list(pipe.classes_), positive_class=POSITIVE, framework="sklearn",
                  label=LABEL, trained_on=train_ref)
