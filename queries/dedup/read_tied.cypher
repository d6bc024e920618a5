// title: Dedup: tied modules of some architectures
// answers: Which modules of each given architecture hold a module object already held under another path?
// params: {hashes: []}

UNWIND $hashes AS hash
MATCH (holder:Module {arch_hash: hash})-[:TIED_CHILD]->(target:Module)
RETURN hash, holder.path AS holder, target.path AS target
