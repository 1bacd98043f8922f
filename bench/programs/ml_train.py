"""A small training loop, the way ML code is often written: the data made
and prepared with pandas (numpy alone when pandas is missing), a
two-layer network trained with minibatch gradient descent in numpy, then
evaluated.  It measures overhead on realistic code; the phases should get
their share of the wall time (forward() counts to train, predict() to
evaluate); no phase is of one pure kind.
BENCH_SCALE scales the number of epochs (default 1).
"""
import os

import numpy as np

from _truth import phase

try:
    import pandas as pd
except ImportError:  # numpy alone does the same work
    pd = None

SCALE = float(os.environ.get("BENCH_SCALE", 1.0))
SAMPLES, FEATURES, HIDDEN, CLASSES, BATCH = 60_000, 24, 64, 4, 128


@phase()
def make_data(rng):
    raw = rng.normal(size=(SAMPLES, FEATURES))
    group = rng.integers(0, CLASSES, size=SAMPLES)
    if pd is not None:
        cols = [f"f{i}" for i in range(FEATURES)]
        df = pd.DataFrame(raw, columns=cols)
        df["group"] = group
        # centre each feature within its group, then scale it overall
        df[cols] = df[cols] - df.groupby("group")[cols].transform("mean")
        df = pd.get_dummies(df, columns=["group"], dtype=float)
        df = (df - df.mean()) / df.std()
        X = df.to_numpy(dtype=np.float64)
    else:
        for g in range(CLASSES):
            raw[group == g] -= raw[group == g].mean(axis=0)
        X = np.hstack([raw, np.eye(CLASSES)[group]])
        X = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    true_w = rng.normal(size=(X.shape[1], CLASSES))
    y = np.argmax(X @ true_w + 0.5 * rng.normal(size=(SAMPLES, CLASSES)), axis=1)
    return X, y


def forward(params, X):
    W1, b1, W2, b2 = params
    h = np.maximum(X @ W1 + b1, 0.0)
    logits = h @ W2 + b2
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    return h, p


@phase(includes=("forward",))
def train(X, y, epochs, rng, lr=0.1):
    params = [rng.normal(scale=0.1, size=(X.shape[1], HIDDEN)), np.zeros(HIDDEN),
              rng.normal(scale=0.1, size=(HIDDEN, CLASSES)), np.zeros(CLASSES)]
    onehot = np.eye(CLASSES)[y]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), BATCH):
            idx = order[start:start + BATCH]
            xb, yb = X[idx], onehot[idx]
            h, p = forward(params, xb)
            d_logits = (p - yb) / len(xb)
            W1, b1, W2, b2 = params
            d_h = (d_logits @ W2.T) * (h > 0)
            grads = [xb.T @ d_h, d_h.sum(axis=0), h.T @ d_logits, d_logits.sum(axis=0)]
            for param, g in zip(params, grads):
                param -= lr * g
    return params


def predict(params, X):
    W1, b1, W2, b2 = params
    return (np.maximum(X @ W1 + b1, 0.0) @ W2 + b2).argmax(axis=1)


@phase(includes=("predict",))
def evaluate(params, X, y, repeats):
    acc = 0.0
    for _ in range(repeats):
        acc = float((predict(params, X) == y).mean())
    return acc


def main():
    rng = np.random.default_rng(0)
    X, y = make_data(rng)
    params = train(X, y, max(1, round(3 * SCALE)), rng)
    acc = evaluate(params, X, y, max(1, round(5 * SCALE)))
    print(f"accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
