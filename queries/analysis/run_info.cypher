// title: Run information
// answers: Which Neo4j server answers, and which torch, transformers and networkx versions and dedup runs produced the data in the graph?
// params: {}
// render: table

CALL dbms.components() YIELD name, versions, edition
WITH name + ' ' + versions[0] + ' (' + edition + ')' AS neo4j
CALL () {
  MATCH (m:Model)
  RETURN collect(DISTINCT m.torch_version) AS torch_versions,
         collect(DISTINCT m.transformers_version) AS transformers_versions,
         collect(DISTINCT m.source) AS sources,
         max(m.ingested_at) AS last_ingested
}
CALL () {
  MATCH (a:Architecture)
  RETURN collect(DISTINCT a.networkx_version) AS networkx_versions
}
CALL () {
  OPTIONAL MATCH (d:DedupRun)
  RETURN collect(d {.*}) AS dedup_runs
}
RETURN neo4j, torch_versions, transformers_versions, networkx_versions, sources, last_ingested, dedup_runs;
