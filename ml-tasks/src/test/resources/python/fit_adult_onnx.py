"""Fits a scikit-learn Pipeline on the Adult training split, converts it whole to ONNX and saves it as the task's
model bundle; writes sklearn's own predict_proba of the test rows, for the JVM to compare with.

Param shuffle_labels: fit on shuffled labels, a model that learnt nothing (the gate must refuse it).
"""
import os
import tempfile

import pandas as pd
import sluice
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType, StringTensorType
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

LABEL, POSITIVE = "income", ">50K"
train_ref = sluice.upstream("split", "train")
train = sluice.read_dataset(train_ref)
test = sluice.read_dataset(sluice.upstream("split", "test"))
features = [c for c in train.columns if c != LABEL]
text = [c for c in features if not pd.api.types.is_numeric_dtype(train[c])]
numbers = [c for c in features if c not in text]


def inputs(df):
    """The rows as the JVM feeds the graph: a missing text as "", numbers as they are (NaN when missing)."""
    x = df[features].copy()
    for c in text:
        x[c] = x[c].fillna("")
    for c in numbers:
        x[c] = x[c].astype("float64")
    return x


y = train[LABEL]
if sluice.params.get("shuffle_labels"):
    y = y.sample(frac=1.0, random_state=0).to_numpy()
max_iter = int(sluice.params.get("max_iter", 60))
# The trees need no scaling: numbers pass through, which also keeps them exact in the graph's float inputs
# (Adult's numbers are whole and well below 2^24), so every row takes the same branches as in sklearn.
pipe = Pipeline([
    ("columns", ColumnTransformer([
        ("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), text),
        ("numbers", "passthrough", numbers),
    ])),
    ("model", HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.1, random_state=0)),
])
pipe.fit(inputs(train), y)
sluice.log_params({"algorithm": "hist_gradient_boosting", "max_iter": max_iter,
                   "shuffle_labels": bool(sluice.params.get("shuffle_labels"))})

# One input per column, named after it; probabilities as a plain tensor (no ZipMap).
types = [(c, StringTensorType([None, 1]) if c in text else FloatTensorType([None, 1])) for c in features]
onx = convert_sklearn(pipe, initial_types=types, options={id(pipe): {"zipmap": False}})
path = os.path.join(tempfile.mkdtemp(), "adult.onnx")
with open(path, "wb") as f:
    f.write(onx.SerializeToString())
sluice.save_model(path, input_schema={c: "string" if c in text else "double" for c in features},
                  problem="binary", classes=list(pipe.classes_), positive_class=POSITIVE, framework="sklearn",
                  label=LABEL, trained_on=train_ref)

p = pipe.predict_proba(inputs(test))[:, list(pipe.classes_).index(POSITIVE)]
scored = test.copy()
scored["sklearn_probability"] = p
sluice.write_dataset(scored, "sklearn_scores")
sluice.log_metrics({"test_roc_auc": float(roc_auc_score(test[LABEL] == POSITIVE, p))})
