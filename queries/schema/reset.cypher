// title: Reset: delete all of nnstruct's data
// answers: Wipes every node nnstruct wrote (and their relationships) and nothing else: nodes carrying the
//   ownership label Nnstruct, and the Module nodes of their architectures (found by arch_hash). Batches of
//   10,000 so a graph of the whole catalogue (700,000 modules) fits in a 1 GB heap. A node of another
//   application, even one labelled Model or Cluster, is left alone.
// params: {}

MATCH (a:Architecture:Nnstruct)
MATCH (n:Module {arch_hash: a.hash})
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS;

MATCH (n:Nnstruct)
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF 10000 ROWS
