"""A small neural network (an MLP with two hidden layers of 50) on
synthetic data, end to end: generate the data, write it to CSV and read it
back with pandas, fit, pickle the model, load it and predict. The data's size comes from the environment:

    NUM_SAMPLES=100000 NUM_FEATURES=10 python3 mlp.py

footprint's README sweeps it over NUM_SAMPLES (footprint sweep) and
compares it with linear.py (footprint compare)."""
import os
import pickle
import tempfile
import warnings

import pandas as pd
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

NUM_SAMPLES = int(float(os.environ.get("NUM_SAMPLES", "10000")))
NUM_FEATURES = int(float(os.environ.get("NUM_FEATURES", "10")))


def make_data(path):
    X, y = make_regression(n_samples=NUM_SAMPLES, n_features=NUM_FEATURES, noise=0.5, random_state=0)
    frame = pd.DataFrame(X, columns=["x%d" % i for i in range(NUM_FEATURES)])
    frame["y"] = y
    frame.to_csv(path, index=False)


def load_data(path):
    frame = pd.read_csv(path)
    return frame.drop(columns="y").to_numpy(), frame["y"].to_numpy()


def fit(X, y):
    # a few passes over the data: enough to compare costs, not to converge
    model = MLPRegressor(hidden_layer_sizes=(50, 50), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def save_and_load(model, path):
    with open(path, "wb") as f:
        pickle.dump(model, f)
    with open(path, "rb") as f:
        return pickle.load(f)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "data.csv")
        make_data(csv)
        X, y = load_data(csv)
        model = save_and_load(fit(X, y), os.path.join(tmp, "model.pkl"))
        predictions = model.predict(X)
    error = float(((predictions - y) ** 2).mean()) ** 0.5
    print("mlp: %d samples, %d features, RMSE %.3f" % (NUM_SAMPLES, NUM_FEATURES, error))


if __name__ == "__main__":
    main()
