// title: Dedup: module rows of some architectures
// answers: The modules of each given architecture with the class and shape attributes WL labels use.
// params: {hashes: []}

UNWIND $hashes AS hash
MATCH (m:Module {arch_hash: hash})
RETURN hash, m {.path, .class_name, .in_features, .out_features, .in_channels, .out_channels, .kernel_size,
                .stride, .padding, .groups, .num_embeddings, .embedding_dim, .normalized_shape, .num_features,
                .num_heads, .hidden_size} AS row
