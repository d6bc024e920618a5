// title: Dedup effect per task
// answers: How many models were listed and built per task, and how many name families, distinct architectures, architecture clusters and representatives remain after deduplication?
// params: {tasks: null}
// render: grouped-bar x=task y=models,name_representatives,architecture_representatives ylabel=models title="Models per task, and what each dedup view keeps (one per name family / architecture cluster)"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t, m,
     [(m)-[:HAS_ARCHITECTURE]->(a:Architecture) | a][0] AS a,
     [(m)-[:IN_FAMILY]->(f:Family) | f.name][0] AS family
WITH t, m, a, family, [(a)-[:IN_CLUSTER]->(c:Cluster) | c.key][0] AS cluster
WITH t.name AS task,
     count(m) AS listed,
     count(CASE WHEN m.status = 'ok' THEN 1 END) AS models,
     count(CASE WHEN m.status = 'failed' THEN 1 END) AS failed,
     count(CASE WHEN m.status = 'skipped' THEN 1 END) AS skipped,
     count(DISTINCT CASE WHEN m.status = 'ok' THEN family END) AS families,
     count(DISTINCT a) AS architectures,
     count(DISTINCT cluster) AS clusters,
     count(CASE WHEN m.status = 'ok' AND m.rep_name = true THEN 1 END) AS name_representatives,
     count(CASE WHEN m.status = 'ok' AND m.rep_architecture = true THEN 1 END) AS architecture_representatives
RETURN task, listed, models, failed, skipped, families, architectures, clusters,
       name_representatives, architecture_representatives
ORDER BY models DESC, task;
