// title: Inspect: every stored model id
// answers: Which model ids does the graph hold (to suggest close matches for a mistyped id)?
// params: {}

MATCH (m:Model)
RETURN m.id AS id, m.status AS status
ORDER BY id
