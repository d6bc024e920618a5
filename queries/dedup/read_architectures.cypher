// title: Dedup: the stored architectures
// answers: Which distinct module trees are stored (each is hashed and compared once, whatever its model count)?
// params: {}

MATCH (a:Architecture:Nnstruct)
RETURN a.hash AS hash, a.module_count AS module_count
ORDER BY hash
