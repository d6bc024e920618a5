// title: Dedup (architecture): near-duplicate links
// answers: Replaces each architecture's outgoing SIMILAR_TO links by the new ones, score on the relationship.
// params: {rows: [{hash: 'abc', links: [{target: 'def', score: 0.93}]}], label: 'class', threshold: 0.85}

UNWIND $rows AS row
MATCH (a:Architecture:Nnstruct {hash: row.hash})
OPTIONAL MATCH (a)-[old:SIMILAR_TO]->(b:Architecture)
  WHERE NOT b.hash IN [link IN row.links | link.target]
DELETE old
WITH DISTINCT a, row
UNWIND row.links AS link
MATCH (b:Architecture {hash: link.target})
MERGE (a)-[r:SIMILAR_TO]->(b)
SET r.score = link.score, r.label = $label, r.threshold = $threshold
