"""Small workloads for flamelens' benchmark example (flamelens.bench.json beside this file)."""
import re

TEXT = "The quick brown fox jumps over the lazy dog. " * 400
WORD = re.compile(r"\w+|[^\w\s]")


def make_text():
    return TEXT


def tokenize(text):
    return WORD.findall(text)


def count_words(text):
    counts = {}
    for token in tokenize(text):
        counts[token] = counts.get(token, 0) + 1
    return counts


if __name__ == "__main__":
    print(len(count_words(TEXT)))
