"""Regenerates train.csv and test.csv from scikit-learn's bundled copy of the
UCI Wisconsin Diagnostic Breast Cancer data set (569 rows, 30 features).

Run with an interpreter that has scikit-learn and pandas:
    /usr/bin/python3 examples/sklearn-breast-cancer/data/export_data.py

scikit-learn labels 0 = malignant, 1 = benign. We flip it so that the positive
class (target = 1) is malignant: the probability a model returns is
"probability of malignancy". The split is stratified and seeded, so re-running
it gives the same files.
"""
import os

import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    data = load_breast_cancer()
    columns = [name.replace(" ", "_") for name in data.feature_names]
    features = pd.DataFrame(data.data, columns=columns)
    target = pd.Series(1 - data.target, name="target")  # 1 = malignant
    frame = pd.concat([target, features], axis=1)
    train, test = train_test_split(frame, test_size=0.2, random_state=42, stratify=frame["target"])
    train.to_csv(os.path.join(HERE, "train.csv"), index=False)
    test.to_csv(os.path.join(HERE, "test.csv"), index=False)
    print(f"train: {len(train)} rows, test: {len(test)} rows, malignant: {int(frame['target'].sum())}")


if __name__ == "__main__":
    main()
