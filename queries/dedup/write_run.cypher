// title: Dedup: record the run
// answers: Stores when each strategy last ran and with which settings (one DedupRun per strategy).
// params: {strategy: 'name', settings: {networkx_version: '3.6.1'}}

MERGE (r:DedupRun {strategy: $strategy})
SET r = $settings, r:Nnstruct, r.strategy = $strategy, r.finished_at = datetime()
