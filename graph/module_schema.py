"""Properties of Module nodes shared by the code that writes them (ingest) and the code that reads them back
(show/diff/export), kept free of torch so readers stay light."""

# Structural attributes, in the order the README lists them; set on a Module only where they apply.
STRUCTURAL_ATTRIBUTES: tuple[str, ...] = (
    "in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride", "padding", "groups",
    "num_embeddings", "embedding_dim", "normalized_shape", "num_features", "eps", "p", "activation",
    "num_heads", "hidden_size", "bias",
)
