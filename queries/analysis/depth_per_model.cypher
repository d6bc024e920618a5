// title: Module depth per model
// answers: How many modules do the models of each task hold, and what are their mean, median and deepest nesting levels (root = 0)? One row per task and architecture: `models` is how many of the task's selected models it stands for (the charts count each of them), `example_model` the most downloaded of them.
// params: {view: 'none', tasks: null}
// render: box x=task y=mean_depth weight=models top=60 sort=median log=false title="Mean module depth per model, by task"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH a, collect({task: t.name, models: ta.models, example: ta.example}) AS uses
CALL (a) {
  MATCH (mod:Module {arch_hash: a.hash})
  RETURN count(mod) AS modules, avg(mod.depth) AS mean_depth, percentileDisc(mod.depth, 0.5) AS median_depth,
         max(mod.depth) AS max_depth
}
UNWIND uses AS use
RETURN use.task AS task, use.example AS example_model, use.models AS models, modules,
       round(mean_depth, 4) AS mean_depth, median_depth, max_depth, a.hash AS architecture
ORDER BY task, models DESC, example_model;
