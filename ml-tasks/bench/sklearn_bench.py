"""scikit-learn side of the ml-tasks benchmark: the same CSV, the same steps as the Sluice pipeline.

Usage: OMP_NUM_THREADS=2 /usr/bin/python3 sklearn_bench.py bench.csv
Prints one JSON object with per-stage seconds, ROC-AUC and peak memory.
"""
import json
import sys
import time

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

path = sys.argv[1]
out = {}
t = time.perf_counter(); c = time.process_time()
with open(path) as f:
    header = f.readline().strip().split(",")
num_idx = [i for i, h in enumerate(header) if h.startswith("x")]
cat_idx = [i for i, h in enumerate(header) if h.startswith("c")]
y_idx = header.index("label")
X_num = np.loadtxt(path, delimiter=",", skiprows=1, usecols=num_idx, dtype=np.float64)
X_cat = np.loadtxt(path, delimiter=",", skiprows=1, usecols=cat_idx, dtype=str)
y = np.loadtxt(path, delimiter=",", skiprows=1, usecols=[y_idx], dtype=np.float64)
out["load_s"] = time.perf_counter() - t
out["load_cpu_s"] = time.process_time() - c

t = time.perf_counter(); c = time.process_time()
rows = np.arange(len(y))
tr, te = train_test_split(rows, test_size=0.2, random_state=42)
out["split_s"] = time.perf_counter() - t
out["split_cpu_s"] = time.process_time() - c

t = time.perf_counter(); c = time.process_time()
n = X_num.shape[1]
X = np.empty((len(y), n + X_cat.shape[1]), dtype=object)
X[:, :n] = X_num
X[:, n:] = X_cat
pre = ColumnTransformer([
    ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), list(range(n))),
    ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), list(range(n, X.shape[1]))),
])
Xtr = pre.fit_transform(X[tr]).astype(np.float64)
Xte = pre.transform(X[te]).astype(np.float64)
out["preprocess_s"] = time.perf_counter() - t
out["preprocess_cpu_s"] = time.process_time() - c
out["features"] = Xtr.shape[1]

t = time.perf_counter(); c = time.process_time()
gbt = HistGradientBoostingClassifier(max_iter=100, max_depth=6, learning_rate=0.1, early_stopping=False, random_state=42)
gbt.fit(Xtr, y[tr])
out["gbt_fit_s"] = time.perf_counter() - t
out["gbt_fit_cpu_s"] = time.process_time() - c
t = time.perf_counter(); c = time.process_time()
out["gbt_roc_auc"] = roc_auc_score(y[te], gbt.predict_proba(Xte)[:, 1])
out["gbt_eval_s"] = time.perf_counter() - t
out["gbt_eval_cpu_s"] = time.process_time() - c

t = time.perf_counter(); c = time.process_time()
lr = LogisticRegression(C=1.0, max_iter=200)
lr.fit(Xtr, y[tr])
out["lr_fit_s"] = time.perf_counter() - t
out["lr_fit_cpu_s"] = time.process_time() - c
t = time.perf_counter(); c = time.process_time()
out["lr_roc_auc"] = roc_auc_score(y[te], lr.predict_proba(Xte)[:, 1])
out["lr_eval_s"] = time.perf_counter() - t
out["lr_eval_cpu_s"] = time.process_time() - c
# VmHWM, not ru_maxrss: after exec from the JVM, ru_maxrss keeps the parent's high-water mark.
with open("/proc/self/status") as f:
    out["peak_rss_mb"] = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
print(json.dumps(out))
