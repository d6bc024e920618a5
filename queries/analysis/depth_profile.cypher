// title: Depth profile per task
// answers: At which nesting depths (root = 0) do the modules of each task's models sit? Share of the task's modules at each depth, every model counting its own modules.
// params: {view: 'none', tasks: null}
// render: heatmap x=depth y=task value=share format=pct top=60 sort=none name=depth_profile_heatmap title="Share of modules at each nesting depth, per task"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
WITH a, collect({task: task, models: models}) AS uses
// each distinct architecture's depth histogram is computed once, then weighted by the models using it
CALL (a) {
  MATCH (mod:Module {arch_hash: a.hash})
  RETURN mod.depth AS depth, count(*) AS n
}
UNWIND uses AS use
WITH use.task AS task, depth, sum(n * use.models) AS modules
WITH task, collect({depth: depth, modules: modules}) AS rows, sum(modules) AS total
UNWIND rows AS row
RETURN task, row.depth AS depth, row.modules AS modules, round(toFloat(row.modules) / total, 4) AS share
ORDER BY task, depth;
