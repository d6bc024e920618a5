"""Rule: embeddings.

Detects: the token embedding and whether the output projection shares its weights.

How:
- the **input embedding** is the ``Embedding`` whose row count is the config's ``vocab_size`` (else the largest
  embedding named for words/tokens: ``word_embeddings``, ``embed_tokens``, ``wte``, ``shared``);
- an **output head** is a dense module whose output width is that vocabulary and input width its dimension;
- **tied** when the head's weight is the embedding's (parameters are stored per module, counted once per tensor
  in the model's total: the sum of every module's own parameters exceeds the total by at least the head's
  weight), else ``untied``; no head: ``input-only``; no token embedding at all (vision, audio): ``none``.
The vocabulary size goes on the HAS_COMPONENT relationship (``vocab_size``).

Realised by: the input embedding (and the head, when there is one).
"""

from __future__ import annotations

import re

from nnstruct.components.context import Context, Finding

KIND = "embeddings"
VERSION = 1

_TOKEN_NAME = re.compile(r"word|token|wte|shared|embed_tokens|tok_emb|embed_in|embeddings?$", re.I)


def detect(ctx: Context) -> list[Finding]:
    vocab = ctx.config.get("vocab_size")
    embeddings = [node for node in ctx.nodes if ctx.is_embedding(node)]
    matching = [node for node in embeddings if isinstance(vocab, int) and node.attrs["num_embeddings"] == vocab]
    if not matching:
        matching = sorted((node for node in embeddings if _TOKEN_NAME.search(node.name)),
                          key=lambda node: -node.attrs["num_embeddings"])
    if not matching:
        return [Finding(KIND, "none")]
    token = matching[0]
    rows, dim = token.attrs["num_embeddings"], token.attrs["embedding_dim"]
    heads = [node for node in ctx.nodes if ctx.is_linear(node) and node.attrs["out_features"] == rows
             and node.attrs["in_features"] == dim]
    details = {"vocab_size": rows, "embedding_dim": dim}
    if not heads:
        return [Finding(KIND, "input-only", details=details, modules=[token.path], count=1)]
    head = heads[-1]
    surplus = sum(node.own_params for node in ctx.nodes) - ctx.total_params
    variant = "tied" if surplus >= rows * dim else "untied"
    return [Finding(KIND, variant, details=details, modules=[token.path, head.path], count=1)]


CASES = [
    ("gpt2", "text-generation", {}, [{"variant": "tied"}]),
    ("llama", "text-generation", {"tie_word_embeddings": False}, [{"variant": "untied"}]),
    ("bert", "text-classification", {}, [{"variant": "input-only"}]),
    ("vit", "image-classification", {}, [{"variant": "none"}]),
    ("t5", "text2text-generation", {}, [{"variant": "tied"}]),
]
