// title: Components: store the components of some architectures
// answers: Replaces each architecture's HAS_COMPONENT and its modules' REALISES edges with the detected ones.
// params: {version: 'example', architectures: []}
//
// $architectures: [{hash, components: [{key, kind, variant, properties, count, details}], by_path: {path: [key]}}].
// Component nodes are shared (keyed by kind, variant and identity properties), so Browser users can go from one
// Component to every architecture that has it, and from there to the realising modules. `by_path` lists, for
// each realising module's path, the keys of the components it realises: the tree's modules are read once.

UNWIND $architectures AS arch
MATCH (a:Architecture {hash: arch.hash})
CALL (a) {
  OPTIONAL MATCH (a)-[old:HAS_COMPONENT]->()
  DELETE old
}
CALL (a) {
  MATCH (:Module {arch_hash: a.hash})-[old:REALISES]->()
  DELETE old
}
SET a.components_version = $version
WITH a, arch
CALL (a, arch) {
  UNWIND arch.components AS c
  MERGE (k:Component {key: c.key})
    ON CREATE SET k += c.properties, k:Nnstruct, k.kind = c.kind, k.variant = c.variant
  CREATE (a)-[r:HAS_COMPONENT {count: c.count}]->(k)
  SET r += c.details
}
CALL (a, arch) {
  MATCH (m:Module {arch_hash: a.hash})
  WITH m, arch.by_path[m.path] AS keys
  WHERE keys IS NOT NULL
  UNWIND keys AS key
  MATCH (k:Component {key: key})
  CREATE (m)-[:REALISES]->(k)
}
RETURN count(a) AS architectures
