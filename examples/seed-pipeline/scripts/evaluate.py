"""Evaluation of the seed pipeline.

Loads the XGBoost model that the training step wrote (model.tar.gz under /opt/ml/processing/model), scores the
test split (/opt/ml/processing/test, label first) and writes the metrics as the property file
/opt/ml/processing/evaluation/evaluation.json, in the layout SageMaker's model registry shows:
{"binary_classification_metrics": {"accuracy": {"value": ..., "standard_deviation": ...}, ...}}.
"""
import glob
import json
import math
import os
import tarfile

import numpy as np
import xgboost

MODEL_DIR = "/opt/ml/processing/model"
TEST_DIR = "/opt/ml/processing/test"
OUTPUT_DIR = "/opt/ml/processing/evaluation"


def load_model():
    with tarfile.open(os.path.join(MODEL_DIR, "model.tar.gz")) as tar:
        tar.extractall(path=MODEL_DIR)
    booster = xgboost.Booster()
    booster.load_model(os.path.join(MODEL_DIR, "xgboost-model"))
    return booster


def load_test():
    files = sorted(glob.glob(os.path.join(TEST_DIR, "*.csv")))
    data = np.vstack([np.loadtxt(f, delimiter=",", ndmin=2) for f in files])
    return data[:, 1:], data[:, 0]


def main():
    booster = load_model()
    features, labels = load_test()
    scores = booster.predict(xgboost.DMatrix(features))
    predictions = (scores >= 0.5).astype(int)
    correct = (predictions == labels.astype(int)).astype(float)
    accuracy = float(correct.mean())
    std = float(math.sqrt(accuracy * (1 - accuracy) / len(correct)))
    tp = float(((predictions == 1) & (labels == 1)).sum())
    fp = float(((predictions == 1) & (labels == 0)).sum())
    fn = float(((predictions == 0) & (labels == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    report = {
        "binary_classification_metrics": {
            "accuracy": {"value": accuracy, "standard_deviation": std},
            "precision": {"value": precision, "standard_deviation": "NaN"},
            "recall": {"value": recall, "standard_deviation": "NaN"},
        }
    }
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    with open(os.path.join(OUTPUT_DIR, "evaluation.json"), "w") as f:
        json.dump(report, f)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
