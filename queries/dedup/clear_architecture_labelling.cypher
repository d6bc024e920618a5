// title: Dedup (architecture): forget the labelling of architectures outside this run
// answers: Removes hashes, cluster memberships and similarity links of architectures the new labelling does not cover.
// params: {hashes: []}

MATCH (a:Architecture:Nnstruct)
WHERE NOT a.hash IN $hashes
REMOVE a.class_hash, a.shape_hash, a.class_hash_iterations, a.class_hash_networkx_version
WITH a
OPTIONAL MATCH (a)-[r:IN_CLUSTER|SIMILAR_TO]-()
DELETE r
