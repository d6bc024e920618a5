// title: Dedup: the models to label
// answers: Every model with what name and architecture dedup need: task, status, downloads, model_type, class, architecture.
// params: {}

MATCH (m:Model:Nnstruct)
OPTIONAL MATCH (m)-[:HAS_ARCHITECTURE]->(a:Architecture)
RETURN m.id AS id,
       coalesce(m.task, head([(m)-[:FOR_TASK]->(t:Task) | t.name])) AS task,
       m.status AS status,
       m.downloads AS downloads,
       m.model_type AS model_type,
       m.class_name AS class_name,
       a.hash AS arch_hash
ORDER BY id
