"""Trains a breast-cancer classifier in SageMaker script mode.

Runs unchanged in the SageMaker scikit-learn container and in mlship's local
runtime: hyperparameters arrive as `--name value` arguments, data in the
`train` (and optional `test`) channel, and the model goes to SM_MODEL_DIR.

Label: the `target` column, 1 = malignant (the positive class), 0 = benign.
Files without that column are read header-less with the label first, which is
the layout SageMaker's built-in algorithms use.
"""
import argparse
import glob
import json
import os

import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def read_channel(path, label):
    """All CSV files of a channel (a directory, or a single file) as (X, y)."""
    files = sorted(glob.glob(os.path.join(path, "**", "*.csv"), recursive=True)) if os.path.isdir(path) else [path]
    if not files:
        raise ValueError(f"no .csv files in channel directory {path}")
    frames = []
    for name in files:
        frame = pd.read_csv(name)
        if label not in frame.columns:
            frame = pd.read_csv(name, header=None)
            frame = frame.rename(columns={0: label})
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    return data.drop(columns=[label]), data[label].astype(int)


def parse_args():
    parser = argparse.ArgumentParser()
    # Hyperparameters: the toolkit passes `--name value`, and `-X value` for one-letter names.
    parser.add_argument("-C", "--C", dest="C", type=float, default=1.0)
    parser.add_argument("--max-iter", "--max_iter", dest="max_iter", type=int, default=1000)
    parser.add_argument("--target", type=str, default="target")
    # SageMaker's environment.
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--output-data-dir", type=str, default=os.environ.get("SM_OUTPUT_DATA_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--test", type=str, default=os.environ.get("SM_CHANNEL_TEST"))
    args, _ = parser.parse_known_args()
    return args


def main():
    args = parse_args()
    X, y = read_channel(args.train, args.target)
    print(f"training on {len(X)} rows, {X.shape[1]} features, {int(y.sum())} malignant")

    model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=args.max_iter))
    # Fit on the bare matrix (requests carry no column names) and keep the names for named JSON input.
    model.fit(X.to_numpy(), y)
    model.feature_names_ = list(X.columns)

    metrics = {"train_accuracy": accuracy_score(y, model.predict(X.to_numpy()))}
    if args.test:
        X_test, y_test = read_channel(args.test, args.target)
        if set(model.feature_names_) <= set(X_test.columns):
            X_test = X_test[model.feature_names_]
        proba = model.predict_proba(X_test.to_numpy())[:, 1]
        metrics["test_accuracy"] = accuracy_score(y_test, proba >= 0.5)
        metrics["test_auc"] = roc_auc_score(y_test, proba)
    for name, value in metrics.items():
        print(f"{name}={value:.4f};")

    os.makedirs(args.model_dir, exist_ok=True)
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
    if args.output_data_dir:
        os.makedirs(args.output_data_dir, exist_ok=True)
        with open(os.path.join(args.output_data_dir, "metrics.json"), "w") as f:
            json.dump(metrics, f, indent=2)


if __name__ == "__main__":
    main()
