// title: Dedup: the WL features stored on each architecture
// answers: For every stored architecture, the WL hashes and the subtree bag of one label, as ingest stored them (null when an older nnstruct wrote it: dedup computes them from its modules once and stores them).
// params: {label: 'class'}
//
// Reads a few properties per distinct tree instead of its Module nodes: what keeps `nnstruct dedup` fast at
// hub scale. The bag is two parallel lists (subtree hash, count).

MATCH (a:Architecture:Nnstruct)
RETURN a.hash AS hash,
       a.features_settings AS settings,
       a.features_hash_iterations AS hash_iterations,
       a.features_description AS description,
       a.features_class_hash AS class_hash,
       a.features_class_shape_hash AS shape_hash,
       CASE $label WHEN 'class' THEN a.features_class_bag ELSE a.features_class_shape_bag END AS bag,
       CASE $label WHEN 'class' THEN a.features_class_counts ELSE a.features_class_shape_counts END AS counts
ORDER BY hash
