// title: Ingest: models already built
// answers: Which models are in the graph with status ok (a new ingest skips them unless --force)?
// params: {}

MATCH (m:Model:Nnstruct {status: 'ok'})
RETURN m.id AS id
