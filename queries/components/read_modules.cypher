// title: Components: module rows of some architectures
// answers: The modules of each given tree with the properties component rules read (class, shapes, counts).
// params: {hashes: []}

UNWIND $hashes AS hash
MATCH (m:Module {arch_hash: hash})
RETURN hash, m {.path, .name, .class_name, .class_path, .depth, .index, .own_params, .subtree_params,
                .in_features, .out_features, .in_channels, .out_channels, .kernel_size, .stride, .padding, .groups,
                .num_embeddings, .embedding_dim, .normalized_shape, .num_features, .eps, .p, .activation,
                .num_heads, .hidden_size, .bias} AS module
