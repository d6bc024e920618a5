// title: Aggregates: mark every task's counts stale
// answers: Marks every task as owing a recount of its TASK_ARCHITECTURE counts; dedup runs it in the transaction that
// changes which models each view keeps, so a dedup killed before its recount leaves the debt recorded.
// params: {}

MATCH (t:Task:Nnstruct)
SET t.architecture_counts_stale = true;
