// title: Reset: delete all of nnstruct's data
// answers: Wipes every node nnstruct writes (and their relationships), one label at a time in batches of
//   10,000 so a graph of the whole catalogue (700,000 modules) fits in a 1 GB heap.
// params: {}

MATCH (n:Module)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS;

MATCH (n:Architecture)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS;

MATCH (n)
WHERE n:Task OR n:Model OR n:LayerType OR n:Family OR n:Cluster OR n:DedupRun OR n:Component
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS
