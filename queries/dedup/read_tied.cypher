// title: Dedup: tied modules of some architectures
// answers: Which modules of each given architecture hold a module object already held under another path?
// params: {hashes: []}

UNWIND $hashes AS hash
MATCH (holder:Module {arch_hash: hash})-[t:TIED_CHILD]->(target:Module)
RETURN hash, holder.path AS parent_path, t.name AS child_name, t.index AS child_index, t.path AS path,
       target.path AS target_path
