// title: Inspect: the module tree of one architecture
// answers: Every module of the architecture, with its parent's path and its place among its siblings.
// params: {arch_hash: ''}

MATCH (m:Module {arch_hash: $arch_hash})
OPTIONAL MATCH (parent:Module)-[c:CHILD]->(m)
RETURN m {.*} AS module, parent.path AS parent_path, c.index AS child_index
ORDER BY m.depth, parent_path, c.index
