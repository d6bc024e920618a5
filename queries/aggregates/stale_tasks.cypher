// title: Aggregates: tasks whose counts are not current
// answers: Which tasks have models written since their TASK_ARCHITECTURE counts were last refreshed (or were never
// counted: graphs of earlier versions)?
// params: {}

MATCH (t:Task:Nnstruct)
WHERE coalesce(t.architecture_counts_stale, true)
RETURN t.name AS task
ORDER BY task;
