// title: Ingest: write one architecture and its module tree
// answers: Stores a new Architecture, its Module nodes, CHILD/TIED_CHILD/OF_TYPE/ROOT edges and the USES counts.
// params: {architecture: {hash: 'example'}, layer_types: [{qualname: 'torch.nn.modules.linear.Linear', name: 'Linear', module: 'torch.nn.modules.linear', is_torch: true, modules: 1}], modules: [{arch_hash: 'example', path: '', name: '', class_name: 'Linear', class_path: 'torch.nn.modules.linear.Linear', depth: 0, index: 0, own_params: 6, subtree_params: 6, is_leaf: true}], type_of: [0], parent_of: [-1], tied: []}
//
// Runs inside the model's transaction and writes nothing (returns no row) when an Architecture has this hash
// already (content addressed: a tree is stored once, complete: it lands in one transaction). Modules are
// CREATEd, not MERGEd: they are new by construction, and the unique constraint on Architecture.hash stops a
// concurrent writer of the same tree (its transaction fails and is retried as a link). A module is identified
// by (arch_hash, path); CHILD carries only the sibling index (the attribute name is the child's `name`): every
// property and index entry per module costs write throughput on trees of thousands of modules.
// Edges refer to modules by their position in $modules (parent_of[i], tied[].parent/.target) and to layer
// types by position in $layer_types (type_of[i]), so no index lookup is needed per edge.

OPTIONAL MATCH (stored:Architecture {hash: $architecture.hash})
WITH stored WHERE stored IS NULL
CREATE (a:Architecture:Nnstruct)
SET a = $architecture
WITH a
CALL (a) {
  UNWIND range(0, size($layer_types) - 1) AS i
  WITH i, $layer_types[i] AS type
  MERGE (l:LayerType {qualname: type.qualname})
    ON CREATE SET l:Nnstruct, l.name = type.name, l.module = type.module, l.is_torch = type.is_torch
  CREATE (a)-[:USES {modules: type.modules}]->(l)
  WITH i, l ORDER BY i
  RETURN collect(l) AS types
}
CALL (types) {
  UNWIND range(0, size($modules) - 1) AS i
  WITH i, $modules[i] AS row, types[$type_of[i]] AS l
  CREATE (m:Module)-[:OF_TYPE]->(l)
  SET m = row
  WITH i, m ORDER BY i
  RETURN collect(m) AS nodes
}
WITH a, nodes, nodes[0] AS root
CREATE (a)-[:ROOT]->(root)
WITH nodes
CALL (nodes) {
  UNWIND range(1, size(nodes) - 1) AS i
  WITH nodes[$parent_of[i]] AS parent, nodes[i] AS child
  CREATE (parent)-[:CHILD {index: child.index}]->(child)
}
CALL (nodes) {
  UNWIND $tied AS edge
  WITH nodes[edge.parent] AS parent, nodes[edge.target] AS target, edge
  CREATE (parent)-[:TIED_CHILD {index: edge.index, name: edge.name, path: edge.path}]->(target)
}
RETURN size(nodes) AS modules
