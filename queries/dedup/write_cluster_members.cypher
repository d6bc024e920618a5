// title: Dedup (architecture): cluster membership
// answers: Puts each architecture in its cluster (moving it out of any other), with its similarity to the representative.
// params: {rows: [{hash: 'abc', cluster: 'class:0.85:abc', representative: true, score: 1.0}]}

UNWIND $rows AS row
MATCH (a:Architecture:Nnstruct {hash: row.hash})
OPTIONAL MATCH (a)-[old:IN_CLUSTER]->(other:Cluster)
  WHERE other.key <> row.cluster
DELETE old
WITH DISTINCT a, row
MATCH (c:Cluster {key: row.cluster})
MERGE (a)-[r:IN_CLUSTER]->(c)
SET r.representative = row.representative, r.score = row.score
