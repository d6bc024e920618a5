// title: Aggregates: refresh the per-task counts
// answers: Rewrites, for each task in $tasks, one TASK_ARCHITECTURE relationship per (architecture, dedup view):
// how many of the task's built models use that architecture in that view (per hub creation month too), their name
// families and the most downloaded of them; and the task's own counts (models listed, built, failed, skipped,
// families, clusters, representatives). The analyses read these instead of every Model, so they stay fast at 100,000s of models.
// params: {tasks: ['text-classification']}
//
// Ingest and dedup call it for the tasks they changed (a model write marks its task `architecture_counts_stale`
// in the same transaction); `nnstruct analyze` recounts any task still marked, e.g. after a killed run.
// Clearing the flag first locks each Task, so a model written meanwhile is either counted here or marks it again.

MATCH (t:Task:Nnstruct)
WHERE t.name IN $tasks
SET t.architecture_counts_stale = false
WITH t
OPTIONAL MATCH (t)-[old:TASK_ARCHITECTURE]->()
DELETE old;

MATCH (t:Task:Nnstruct)<-[:FOR_TASK]-(m:Model:Nnstruct {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE t.name IN $tasks
WITH t, a, m
ORDER BY coalesce(m.downloads, -1) DESC, m.id
UNWIND m.views AS view
WITH t, a, view, CASE WHEN m.created_at IS NULL THEN null ELSE substring(toString(m.created_at), 0, 7) END AS month,
     count(*) AS n, collect(m.id)[0] AS example, collect(coalesce(m.downloads, -1))[0] AS downloads,
     collect(DISTINCT m.family) AS families
ORDER BY downloads DESC, example
WITH t, a, view, sum(n) AS models, collect(month) AS months,
     collect(CASE WHEN month IS NOT NULL THEN n END) AS month_models, collect(example)[0] AS example,
     collect(downloads)[0] AS example_downloads, collect(families) AS family_lists
CREATE (t)-[:TASK_ARCHITECTURE {view: view, models: models, months: months, month_models: month_models,
                                 example: example, example_downloads: example_downloads,
                                 families: reduce(seen = [], names IN family_lists |
                                                  seen + [name IN names WHERE NOT name IN seen])}]->(a);

MATCH (t:Task:Nnstruct)
WHERE t.name IN $tasks
CALL (t) {
  MATCH (t)<-[:FOR_TASK]-(m:Model:Nnstruct)
  OPTIONAL MATCH (m)-[:HAS_ARCHITECTURE]->(a:Architecture)
  OPTIONAL MATCH (m)-[:IN_FAMILY]->(f:Family)
  OPTIONAL MATCH (a)-[:IN_CLUSTER]->(c:Cluster)
  RETURN count(m) AS listed,
         count(CASE WHEN m.status = 'ok' THEN 1 END) AS models,
         count(CASE WHEN m.status = 'failed' THEN 1 END) AS failed,
         count(CASE WHEN m.status = 'skipped' THEN 1 END) AS skipped,
         count(DISTINCT CASE WHEN m.status = 'ok' THEN f.name END) AS families,
         count(DISTINCT a) AS architectures,
         count(DISTINCT c) AS clusters,
         count(CASE WHEN m.status = 'ok' AND m.rep_name = true THEN 1 END) AS name_representatives,
         count(CASE WHEN m.status = 'ok' AND m.rep_architecture = true THEN 1 END) AS architecture_representatives
}
SET t.models_listed = listed, t.models_built = models, t.models_failed = failed, t.models_skipped = skipped,
    t.families = families, t.architectures = architectures, t.clusters = clusters,
    t.name_representatives = name_representatives, t.architecture_representatives = architecture_representatives;
