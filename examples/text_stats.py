"""Second demo program: string work and a recursive function, so the flame graph shows
recursion (counted once per sample) next to a flat hot loop."""
import collections
import sys


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def word_counts(text):
    counts = collections.Counter()
    for word in text.split():
        counts[word.strip(".,;:!?").lower()] += 1
    return counts


def make_text(repeats):
    base = "The quick brown fox jumps over the lazy dog; the dog sleeps, the fox runs. "
    return base * repeats


def main(rounds):
    total = 0
    for _ in range(rounds):
        total += sum(word_counts(make_text(2000)).values())
        total += fib(21)
    print(f"done: {rounds} rounds, total {total}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
