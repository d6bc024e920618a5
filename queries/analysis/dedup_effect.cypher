// title: Dedup effect per task
// answers: How many models were listed and built per task, and how many name families, distinct architectures, architecture clusters and representatives remain after deduplication?
// params: {tasks: null}
// render: grouped-bar x=task y=models,name_representatives,architecture_representatives ylabel=models title="Models per task, and what each dedup view keeps (one per name family / architecture cluster)"

MATCH (t:Task)
WHERE ($tasks IS NULL OR t.name IN $tasks) AND t.models_listed IS NOT NULL
// the task's own counts, kept by ingest and dedup (queries/aggregates/refresh_task_architectures.cypher)
RETURN t.name AS task, t.models_listed AS listed, t.models_built AS models, t.models_failed AS failed,
       t.models_skipped AS skipped, t.families AS families, t.architectures AS architectures, t.clusters AS clusters,
       t.name_representatives AS name_representatives,
       t.architecture_representatives AS architecture_representatives
ORDER BY models DESC, task;
