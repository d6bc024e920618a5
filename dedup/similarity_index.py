"""Near-duplicate search over WL feature bags: cosine similarity, all pairs above a threshold, without all pairs.

Each distinct tree is a sparse vector (feature -> count, L2-normalised), so cosine is a dot product. Candidates
come from an inverted index on each vector's *prefix* (prefix filtering, Bayardo et al., "Scaling up all pairs
similarity search", WWW 2007): order features rarest first and index only the leading features of each vector,
so that the features left out have norm below the threshold ``t``. If two vectors share no indexed feature, the
one whose prefix ends first has all its shared mass in its unindexed suffix, so their dot product is below
``||suffix|| < t``: no pair at or above ``t`` is missed (exact recall), and common features (``Linear``,
``Dropout``...), which would pair everything with everything, are never indexed. Candidates are then verified
exactly. The work grows with the number of truly similar pairs, not with n^2.

Cosine rather than weighted Jaccard: a model with 6 blocks instead of 12 has about half the count of every block
feature, which weighted Jaccard scores near 0.5 and cosine (blind to scale) near 0.96; raw counts keep the blocks,
which are most of a model, the most weighty part of its vector.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Scores are compared with this slack, so that float rounding never decides a pair at exactly the threshold
# differently in the index and in exhaustive search.
EPSILON = 1e-9


@dataclass(frozen=True)
class Pairs:
    """Similar pairs (``left < right``, row positions) and their cosine scores."""

    left: np.ndarray
    right: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.score)

    def as_set(self) -> set[tuple[int, int]]:
        return set(zip(self.left.tolist(), self.right.tolist(), strict=True))

    @classmethod
    def empty(cls) -> Pairs:
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))


def bag_matrix(bags: Sequence[Counter[str]]) -> sparse.csr_matrix:
    """One L2-normalised row per bag; columns are features in order of first appearance."""
    vocabulary: dict[str, int] = {}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for bag in bags:
        for feature, count in bag.items():
            indices.append(vocabulary.setdefault(feature, len(vocabulary)))
            data.append(count)
        indptr.append(len(indices))
    matrix = sparse.csr_matrix(
        (np.asarray(data, np.float64), np.asarray(indices, np.int64), np.asarray(indptr, np.int64)),
        shape=(len(bags), max(1, len(vocabulary))),
    )
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """Cosine of two bags (exact, for one pair)."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(count * b.get(feature, 0) for feature, count in a.items())
    norm = (sum(c * c for c in a.values()) * sum(c * c for c in b.values())) ** 0.5
    return float(dot / norm) if norm else 0.0


def prefix_matrix(matrix: sparse.csr_matrix, threshold: float) -> sparse.csr_matrix:
    """The indexed part of each row: its rarest features until the rest has norm below ``threshold``."""
    coo = matrix.tocoo()
    document_frequency = np.bincount(coo.col, minlength=matrix.shape[1])
    rank = np.empty(matrix.shape[1], np.int64)  # rarest first; ties by column, so the order is global
    rank[np.lexsort((np.arange(matrix.shape[1]), document_frequency))] = np.arange(matrix.shape[1])
    order = np.lexsort((rank[coo.col], coo.row))
    rows, cols, squares = coo.row[order], coo.col[order], coo.data[order] ** 2
    cumulative = np.cumsum(squares)
    row_end = np.searchsorted(rows, np.arange(matrix.shape[0]), side="right") - 1  # last entry of each row
    suffix = cumulative[row_end[rows]] - (cumulative - squares)  # norm^2 of this entry and the rest of its row
    keep = suffix >= (threshold - EPSILON) ** 2 - EPSILON
    ones = np.ones(int(keep.sum()), np.float32)
    return sparse.csr_matrix((ones, (rows[keep], cols[keep])), shape=matrix.shape)


def row_dots(matrix: sparse.csr_matrix, left: np.ndarray, right: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    """Cosine of rows ``left[k]`` and ``right[k]`` for every k (rows are unit vectors), in bounded chunks."""
    scores = np.empty(len(left), np.float64)
    for start in range(0, len(left), chunk):
        stop = start + chunk
        products = matrix[left[start:stop]].multiply(matrix[right[start:stop]])
        scores[start:stop] = np.asarray(products.sum(axis=1)).ravel()
    return scores


def _row_blocks(n: int, block: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, block):
        yield start, min(n, start + block)


def similar_pairs(matrix: sparse.csr_matrix, threshold: float, block_rows: int = 2048) -> Pairs:
    """Every pair of rows with cosine >= ``threshold`` (exact), via the prefix index."""
    if matrix.shape[0] < 2:
        return Pairs.empty()
    prefix = prefix_matrix(matrix, threshold)
    prefix_t = prefix.T.tocsr()
    found = []
    for start, stop in _row_blocks(matrix.shape[0], block_rows):  # bounds memory when a family is huge
        shared = (prefix[start:stop] @ prefix_t).tocoo()
        left = shared.row.astype(np.int64) + start
        right = shared.col.astype(np.int64)
        upper = left < right
        left, right = left[upper], right[upper]
        scores = row_dots(matrix, left, right)
        similar = scores >= threshold - EPSILON
        found.append((left[similar], right[similar], np.minimum(scores[similar], 1.0)))
    if not found:
        return Pairs.empty()
    return Pairs(*(np.concatenate(parts) for parts in zip(*found, strict=True)))


def candidate_count(matrix: sparse.csr_matrix, threshold: float) -> int:
    """How many pairs the prefix index asks to verify (for the bench)."""
    prefix = prefix_matrix(matrix, threshold)
    shared = sparse.triu(prefix @ prefix.T, k=1)
    return int(shared.nnz)


def exhaustive_pairs(matrix: sparse.csr_matrix, threshold: float, block_rows: int = 512,
                     rows: np.ndarray | None = None) -> Pairs:
    """Brute force: every row of ``rows`` (default all) against every row. The ground truth for recall."""
    queries = np.arange(matrix.shape[0]) if rows is None else np.asarray(rows, np.int64)
    transposed = matrix.T.tocsc()
    found = []
    for start in range(0, len(queries), block_rows):
        block = queries[start:start + block_rows]
        scores = (matrix[block] @ transposed).toarray()
        qi, cols = np.nonzero(scores >= threshold - EPSILON)
        left, right = block[qi], cols.astype(np.int64)
        keep = left != right
        left, right, values = left[keep], right[keep], scores[qi[keep], cols[keep]]
        low, high = np.minimum(left, right), np.maximum(left, right)
        found.append((low, high, np.minimum(values, 1.0)))
    if not found:
        return Pairs.empty()
    left, right, score = (np.concatenate(parts) for parts in zip(*found, strict=True))
    _, unique = np.unique(left * matrix.shape[0] + right, return_index=True)
    return Pairs(left[unique], right[unique], score[unique])
