"""Inference hooks for the SageMaker scikit-learn serving container (and mlship's local server).

predict_fn returns, for each row, the probability of the positive class:
malignant (training label target = 1).

Requests:
  text/csv            rows of the 30 features in data/train.csv's column order (no label);
                      a header row naming the features is also accepted.
  application/json    [[...30 numbers...], ...], one row [...], {"instances": [...]},
                      or named rows [{"mean_radius": 17.99, ...}, ...] / {"mean_radius": ...}.
  application/x-npy   a (rows, 30) or (30,) numeric array.
Responses (Accept): application/json (default) a list of numbers, text/csv one
number per line, application/x-npy a float64 array.
"""
import csv
import io
import json
import os

import joblib
import numpy as np

try:  # the real container's error type, so unsupported requests answer 415 there too
    from sagemaker_containers.beta.framework.errors import UnsupportedFormatError
except ImportError:  # any exception class of this name means 415 to mlship's server

    class UnsupportedFormatError(Exception):
        pass


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def _named_rows(rows):
    """JSON objects keyed by feature name -> list of dicts (ordered in predict_fn, which has the model)."""
    return {"named": rows}


def input_fn(request_body, request_content_type):
    content_type = (request_content_type or "application/json").split(";")[0].strip().lower()
    if content_type == "text/csv":
        text = request_body.decode("utf-8") if isinstance(request_body, (bytes, bytearray)) else request_body
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
        if rows and not _is_number(rows[0][0]):
            header, body = rows[0], rows[1:]
            return _named_rows([dict(zip(header, map(float, row))) for row in body])
        return np.array(rows, dtype=np.float64)
    if content_type == "application/json":
        data = json.loads(request_body)
        if isinstance(data, dict) and "instances" in data:
            data = data["instances"]
        if isinstance(data, dict):
            return _named_rows([data])
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return _named_rows(data)
        return np.array(data, dtype=np.float64)
    if content_type == "application/x-npy":
        return np.load(io.BytesIO(request_body), allow_pickle=False)
    raise UnsupportedFormatError(f"unsupported content type {request_content_type}")


def predict_fn(input_data, model):
    if isinstance(input_data, dict) and "named" in input_data:
        names = model.feature_names_
        missing = [n for n in names if n not in input_data["named"][0]]
        if missing:
            raise ValueError(f"missing features: {', '.join(missing)}")
        input_data = np.array([[float(row[n]) for n in names] for row in input_data["named"]])
    matrix = np.asarray(input_data, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    return model.predict_proba(matrix)[:, 1]


def output_fn(prediction, accept):
    accept = (accept or "application/json").split(";")[0].strip().lower()
    if accept in ("application/json", "*/*"):
        return json.dumps(prediction.tolist()), "application/json"
    if accept == "text/csv":
        return "".join(f"{p!r}\n" for p in prediction.tolist()), "text/csv"
    if accept == "application/x-npy":
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(prediction, dtype=np.float64))
        return buffer.getvalue(), "application/x-npy"
    raise UnsupportedFormatError(f"unsupported accept type {accept}")


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False
