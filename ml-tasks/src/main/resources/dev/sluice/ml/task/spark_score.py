"""ml.predict's scoring job on Spark (engine: spark). Sluice writes the plan; this script only runs it.

argv[1] is a JSON plan: the dataset to read ("input", Parquet: a file, a folder of part files or a URL the
cluster reads), the model's input columns ("inputs") and the scoring query ("sql", Spark SQL over the view
sluice_input: the fitted transform and the model, compiled by the worker). The predictions are written with the
SDK as a folder of part files, which the worker merges into one dataset artifact.
"""
import json
import sys

import sluice
from pyspark.sql import SparkSession

plan = json.load(open(sys.argv[1]))
spark = SparkSession.builder.getOrCreate()
rows = spark.read.parquet(plan["input"])
missing = [c for c in plan["inputs"] + plan["keep"] if c not in rows.columns]
if missing:
    raise ValueError(
        f"the dataset has no column {missing[0]!r}, which the model takes or keep_columns names"
        f" (the model's inputs: {plan['inputs']}; the dataset's columns: {rows.columns})"
    )
rows.createOrReplaceTempView("sluice_input")
sluice.write_dataset(spark.sql(plan["sql"]), plan["key"])
spark.stop()
