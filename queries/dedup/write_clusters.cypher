// title: Dedup (architecture): cluster nodes
// answers: Creates or updates one Cluster per group of near-duplicate trees, with the settings that made it.
// params: {clusters: [{key: 'class:0.85:abc', representative: 'abc', size: 1, trees: 1, models: 1, description: 'BertModel 12x768'}], label: 'class', threshold: 0.85, networkx_version: '3.6.1', wl_iterations: 3, wl_initial_labels: true}

UNWIND $clusters AS cluster
MERGE (c:Cluster {key: cluster.key})
SET c:Nnstruct,
    c.label = $label,
    c.threshold = $threshold,
    c.size = cluster.size,
    c.trees = cluster.trees,
    c.models = cluster.models,
    c.representative = cluster.representative,
    c.description = cluster.description,
    c.networkx_version = $networkx_version,
    c.wl_iterations = $wl_iterations,
    c.wl_initial_labels = $wl_initial_labels
