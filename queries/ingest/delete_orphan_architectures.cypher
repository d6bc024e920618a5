// title: Ingest: delete architectures no model builds any more
// answers: Which stored module trees lost their last model (after `nnstruct ingest --force` rebuilt it differently)? Deletes them with their modules.
// params: {}

MATCH (a:Architecture:Nnstruct)
WHERE NOT EXISTS { (:Model:Nnstruct)-[:HAS_ARCHITECTURE]->(a) }
CALL (a) {
  MATCH (m:Module {arch_hash: a.hash})
  DETACH DELETE m
  RETURN count(m) AS modules
}
DETACH DELETE a
RETURN count(a) AS architectures, sum(modules) AS modules
