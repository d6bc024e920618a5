// title: Dedup: module rows of some architectures
// answers: The modules of each given architecture, every stored property (WL labels pick theirs by the field schema).
// params: {hashes: []}

UNWIND $hashes AS hash
MATCH (m:Module {arch_hash: hash})
RETURN hash, m {.*} AS row
