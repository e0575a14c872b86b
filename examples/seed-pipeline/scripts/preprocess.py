"""Preprocessing of the seed pipeline.

Reads the raw CSV files under /opt/ml/processing/input (first column: the 0/1 label, the others: numeric
features, an optional header row), drops incomplete rows, standardises the features with the training split's
statistics, shuffles with a fixed seed and writes 70/15/15 % splits as header-less CSV (label first, as the
SageMaker XGBoost algorithm expects) to /opt/ml/processing/{train,validation,test}, and the training split's features
alone (no label: what the endpoint receives) to /opt/ml/processing/baseline, the data quality baseline's dataset.
"""
import csv
import glob
import math
import os
import random

# SageMaker mounts the job's inputs and outputs under /opt/ml/processing; PROCESSING_ROOT moves them (for tests).
OUTPUT_ROOT = os.environ.get("PROCESSING_ROOT", "/opt/ml/processing")
INPUT_DIR = os.path.join(OUTPUT_ROOT, "input")


def read_rows():
    rows = []
    for path in sorted(glob.glob(os.path.join(INPUT_DIR, "**", "*.csv"), recursive=True)):
        with open(path, newline="") as f:
            for record in csv.reader(f):
                try:
                    values = [float(v) for v in record]
                except ValueError:
                    continue  # a header row or an incomplete record
                if values and values[0] in (0.0, 1.0) and all(math.isfinite(v) for v in values):
                    rows.append(values)
    if not rows:
        raise SystemExit(f"no usable rows under {INPUT_DIR}: expected CSV files with a 0/1 label first")
    return rows


def standardise(rows, reference):
    n_features = len(reference[0]) - 1
    means, stds = [], []
    for j in range(1, n_features + 1):
        column = [r[j] for r in reference]
        mean = sum(column) / len(column)
        var = sum((v - mean) ** 2 for v in column) / max(1, len(column) - 1)
        means.append(mean)
        stds.append(math.sqrt(var) or 1.0)
    return [[r[0]] + [(r[j + 1] - means[j]) / stds[j] for j in range(n_features)] for r in rows]


def write(name, rows, label=True):
    """Writes rows as header-less CSV: the label first (as XGBoost expects), or the features alone."""
    directory = os.path.join(OUTPUT_ROOT, name)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, f"{name}.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        for r in rows:
            writer.writerow(([int(r[0])] if label else []) + [f"{v:.6f}" for v in r[1:]])
    print(f"{name}: {len(rows)} rows" + ("" if label else " of features"))


def main():
    rows = read_rows()
    random.Random(42).shuffle(rows)
    n_train = int(len(rows) * 0.70)
    n_validation = int(len(rows) * 0.15)
    train = rows[:n_train]
    validation = rows[n_train:n_train + n_validation]
    test = rows[n_train + n_validation:]
    standardised_train = standardise(train, train)
    write("train", standardised_train)
    write("baseline", standardised_train, label=False)
    write("validation", standardise(validation, train))
    write("test", standardise(test, train))


if __name__ == "__main__":
    main()
