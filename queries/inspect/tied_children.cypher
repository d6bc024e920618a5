// title: Inspect: shared (tied) modules of one architecture
// answers: Which modules hold a module object already stored under another path, and under which name?
// params: {arch_hash: ''}

MATCH (holder:Module {arch_hash: $arch_hash})-[t:TIED_CHILD]->(target:Module)
RETURN holder.path AS parent_path, t.index AS child_index, t.name AS child_name, t.path AS path,
       target.path AS target_path
ORDER BY parent_path, child_index
