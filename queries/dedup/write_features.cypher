// title: Dedup: store WL features on architectures that lack them
// answers: Stores the WL features dedup computed from the modules of architectures an older nnstruct wrote, so the next dedup reads them instead.
// params: {rows: [{hash: 'abc', properties: {features_settings: 'networkx=3.6.1 iterations=3 initial=True digest=16'}}]}

UNWIND $rows AS row
MATCH (a:Architecture:Nnstruct {hash: row.hash})
SET a += row.properties
