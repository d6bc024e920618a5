// title: Nesting level per task
// answers: How deeply nested are the modules of each task's models? Mean and median module depth (root = 0) over all modules of the selected models, the mean of the models' deepest levels, and the deepest level seen.
// params: {view: 'none', tasks: null}
// render: grouped-bar x=task y=mean_depth,median_depth,mean_max_depth log=false ylabel="module depth (root = 0)" title="Mean and median module depth per task, and the mean deepest level"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
WITH a, collect({task: task, models: models}) AS uses
// one depth histogram per distinct architecture, weighted below by the models that use it
CALL (a) {
  MATCH (mod:Module {arch_hash: a.hash})
  WITH mod.depth AS depth, count(*) AS n
  ORDER BY depth
  RETURN collect(depth) AS depths, collect(n) AS ns
}
UNWIND uses AS use
WITH use.task AS task, use.models AS models, depths, ns
WITH task, sum(models) AS model_count, sum(models * depths[-1]) AS deepest_sum, max(depths[-1]) AS max_depth,
     collect({models: models, depths: depths, ns: ns}) AS archs
UNWIND archs AS arch
UNWIND range(0, size(arch.depths) - 1) AS i
WITH task, model_count, deepest_sum, max_depth, arch.depths[i] AS depth, sum(arch.ns[i] * arch.models) AS modules
ORDER BY task, depth
WITH task, model_count, deepest_sum, max_depth, collect(depth) AS depths, collect(modules) AS counts,
     sum(modules) AS total
WITH task, model_count, deepest_sum, max_depth, depths, counts, total,
     [i IN range(0, size(depths) - 1) | reduce(c = 0, j IN range(0, i) | c + counts[j])] AS cumulative
RETURN task,
       model_count AS models,
       total AS modules,
       round(reduce(s = 0.0, i IN range(0, size(depths) - 1) | s + depths[i] * counts[i]) / total, 3) AS mean_depth,
       [i IN range(0, size(depths) - 1) WHERE cumulative[i] * 2 >= total | depths[i]][0] AS median_depth,
       round(toFloat(deepest_sum) / model_count, 3) AS mean_max_depth,
       max_depth
ORDER BY mean_depth DESC, task;
