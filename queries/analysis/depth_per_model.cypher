// title: Module depth per model
// answers: For each selected model, how many modules does its tree hold, and what are their mean, median and deepest nesting levels (root = 0)?
// params: {view: 'none', tasks: null}
// render: box x=task y=mean_depth top=60 sort=median log=false title="Mean module depth per model, by task"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})-[:HAS_ARCHITECTURE]->(a:Architecture)
WHERE ($tasks IS NULL OR t.name IN $tasks)
  AND $view IN m.views
WITH a, collect({task: t.name, model: m.id}) AS uses
CALL (a) {
  MATCH (mod:Module {arch_hash: a.hash})
  RETURN count(mod) AS modules, avg(mod.depth) AS mean_depth, percentileDisc(mod.depth, 0.5) AS median_depth,
         max(mod.depth) AS max_depth
}
UNWIND uses AS use
RETURN use.task AS task, use.model AS model, modules, round(mean_depth, 4) AS mean_depth, median_depth, max_depth
ORDER BY task, model;
