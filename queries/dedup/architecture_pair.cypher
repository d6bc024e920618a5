// title: Dedup: two architectures and what dedup stored about them
// answers: For two architecture hashes (or model ids): their hashes, clusters and any stored SIMILAR_TO score.
// params: {left: 'google-bert/bert-base-uncased', right: 'openai-community/gpt2'}

OPTIONAL MATCH (a1:Architecture {hash: $left})
OPTIONAL MATCH (:Model {id: $left})-[:HAS_ARCHITECTURE]->(a2:Architecture)
WITH coalesce(a1, a2) AS a
OPTIONAL MATCH (b1:Architecture {hash: $right})
OPTIONAL MATCH (:Model {id: $right})-[:HAS_ARCHITECTURE]->(b2:Architecture)
WITH a, coalesce(b1, b2) AS b
OPTIONAL MATCH (a)-[s:SIMILAR_TO]-(b)
OPTIONAL MATCH (a)-[:IN_CLUSTER]->(ca:Cluster)
OPTIONAL MATCH (b)-[:IN_CLUSTER]->(cb:Cluster)
RETURN a.hash AS left, b.hash AS right, a.class_hash AS left_class_hash, b.class_hash AS right_class_hash,
       a.class_hash_networkx_version AS networkx_version, s.score AS stored_score, s.label AS stored_label,
       ca.key AS left_cluster, cb.key AS right_cluster, ca.networkx_version AS cluster_networkx_version,
       ca.wl_iterations AS cluster_wl_iterations
