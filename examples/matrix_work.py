"""A small CPU-bound program for flamelens' demo: the hot path is `multiply`, called from
`train_step`, with a second, cooler path through `normalise`."""
import math
import sys
import threading


def multiply(a, b):
    n = len(a)
    m = len(b[0])
    k = len(b)
    out = [[0.0] * m for _ in range(n)]
    for i in range(n):
        row = a[i]
        for j in range(m):
            s = 0.0
            for t in range(k):
                s += row[t] * b[t][j]
            out[i][j] = s
    return out


def normalise(matrix):
    total = math.sqrt(sum(x * x for row in matrix for x in row)) or 1.0
    return [[x / total for x in row] for row in matrix]


def make_matrix(n, seed):
    return [[((i * 31 + j * 17 + seed) % 97) / 97.0 for j in range(n)] for i in range(n)]


def train_step(weights, batch):
    activations = multiply(batch, weights)
    return normalise(activations)


def background_logger(stop, counter):
    while not stop.is_set():
        counter[0] += sum(i % 7 for i in range(2000))
        stop.wait(0.005)


def main(steps):
    weights = make_matrix(48, 1)
    stop = threading.Event()
    counter = [0]
    logger = threading.Thread(target=background_logger, args=(stop, counter), name="logger")
    logger.start()
    result = None
    for step in range(steps):
        batch = make_matrix(48, step)
        result = train_step(weights, batch)
    stop.set()
    logger.join()
    print(f"done: {steps} steps, checksum {sum(map(sum, result)):.4f}, logger ticks {counter[0]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
