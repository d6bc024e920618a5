// title: Reset: delete all of nnstruct's data
// answers: Wipes every node nnstruct writes (and their relationships), in batches so large graphs fit in memory.
// params: {}

MATCH (n)
WHERE n:Task OR n:Model OR n:Architecture OR n:Module OR n:LayerType OR n:Family OR n:Cluster OR n:DedupRun
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS
