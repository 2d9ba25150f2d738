"""Counts of the async_tree workloads as CPython computes them.

Replays the leaf decisions of pyperformance's bm_async_tree with CPython's
own `random` module (seed 0, a fresh cache per run), so the TypeScript port
(bench/src/async-tree/work.ts) can be checked against the reference:

    python3 bench/tools/expected_counts.py [levels] [branches]

Every leaf draws its numbers before its first suspension, so the counts
depend only on how many leaves there are, not on the order a scheduler runs
them in.
"""

import json
import random
import sys

MEMOIZABLE_PERCENTAGE = 90
CPU_PROBABILITY = 0.5


def memoized_leaf(cache, counts):
    data = random.randint(1, 100)
    if data <= MEMOIZABLE_PERCENTAGE:
        if cache.get(data):
            counts["cacheHits"] += 1
            return
        cache[data] = True
    counts["sleeps"] += 1


def replay(variant, leaves):
    random.seed(0)
    cache = {}
    counts = {"leaves": leaves, "sleeps": 0, "factorials": 0, "cacheHits": 0}
    for _ in range(leaves):
        if variant == "io":
            counts["sleeps"] += 1
        elif variant == "memoization":
            memoized_leaf(cache, counts)
        elif variant == "cpu_io_mixed":
            if random.random() < CPU_PROBABILITY:
                counts["factorials"] += 1
            else:
                memoized_leaf(cache, counts)
    return counts


def main():
    levels = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    branches = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    leaves = branches**levels
    out = {v: replay(v, leaves) for v in ("none", "io", "memoization", "cpu_io_mixed")}
    random.seed(0)
    out["first_random"] = [random.random() for _ in range(5)]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
