// title: Dedup: the last run of each strategy
// answers: When did each dedup strategy last run, and with which settings (networkx version, label, threshold)?
// params: {}

MATCH (r:DedupRun:Nnstruct)
RETURN r.strategy AS strategy, r.finished_at AS finished_at, r.networkx_version AS networkx_version,
       r.label AS label, r.threshold AS threshold, r.wl_iterations AS wl_iterations
ORDER BY strategy
