// title: Components: shared (tied) modules of some architectures
// answers: For each given tree, which modules hold a module object stored under another path.
// params: {hashes: []}

UNWIND $hashes AS hash
MATCH (holder:Module {arch_hash: hash})-[t:TIED_CHILD]->(target:Module)
RETURN hash, holder.path AS parent_path, t.index AS child_index, t.name AS child_name, t.path AS path,
       target.path AS target_path
