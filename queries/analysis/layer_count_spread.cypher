// title: Spread of layer counts across a task's models
// answers: For each task's $top most frequent layer types (held by the largest share of its models, ties broken by count), how many modules of that type do the task's models hold? Box statistics over the models (a model without the type counts 0): minimum, quartiles, maximum and mean.
// params: {view: 'none', tasks: null, top: 10}
// render: box-stats x=layer_type facet=task dir=boxplot title="Modules per model of the 10 most frequent layer types: {task}"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
WITH task, collect({a: a, models: models}) AS archs, sum(models) AS task_models
UNWIND archs AS arch
WITH task, task_models, arch.a AS a, arch.models AS models
MATCH (a)-[u:USES]->(l:LayerType)
WITH task, task_models, a, models, l.name AS layer_type, sum(u.modules) AS count
WITH task, task_models, layer_type, sum(count * models) AS modules, sum(models) AS having,
     collect({count: count, models: models}) AS uses
// most frequent = held by the largest share of the task's models, ties broken by the modules counted
ORDER BY task, having DESC, modules DESC, layer_type
WITH task, task_models, collect({layer_type: layer_type, modules: modules, uses: uses})[..toInteger($top)] AS top_types
UNWIND top_types AS type
// the distinct counts with how many models hold each (a model without the type holds 0), in ascending order;
// the statistics are those of the list with each count repeated that many times, without building it
WITH task, task_models, type,
     [use IN type.uses | [use.count, use.models]]
     + CASE WHEN task_models > reduce(n = 0, use IN type.uses | n + use.models)
            THEN [[0, task_models - reduce(n = 0, use IN type.uses | n + use.models)]] ELSE [] END AS pairs
UNWIND pairs AS pair
WITH task, task_models, type, pair[0] AS value, sum(pair[1]) AS weight
ORDER BY task, type.layer_type, value
WITH task, task_models, type, collect([value, weight]) AS sorted
WITH task, task_models, type, sorted,
     [i IN range(0, size(sorted) - 1) | reduce(n = 0, j IN range(0, i) | n + sorted[j][1])] AS upto
// percentileCont's rule: position p * (n - 1) of the sorted list, linear between its neighbours
WITH task, task_models, type, sorted, upto,
     [p IN [0.25, 0.5, 0.75] | [toInteger(floor(p * (task_models - 1))), toInteger(ceil(p * (task_models - 1))),
                                p * (task_models - 1)]] AS positions
WITH task, task_models, type, sorted,
     [pos IN positions | [sorted[[i IN range(0, size(sorted) - 1) WHERE upto[i] > pos[0]][0]][0],
                          sorted[[i IN range(0, size(sorted) - 1) WHERE upto[i] > pos[1]][0]][0], pos[2] - pos[0]]]
       AS around
WITH task, task_models, type, sorted,
     [q IN around | toFloat(q[0]) + q[2] * (q[1] - q[0])] AS quartiles,
     reduce(n = 0, pair IN sorted | n + pair[0] * pair[1]) AS total
RETURN task, type.layer_type AS layer_type, type.modules AS modules, task_models AS models,
       task_models - reduce(n = 0, pair IN sorted | n + CASE WHEN pair[0] = 0 THEN pair[1] ELSE 0 END) AS models_with,
       sorted[0][0] AS min, quartiles[0] AS q1, quartiles[1] AS median, quartiles[2] AS q3, sorted[-1][0] AS max,
       round(toFloat(total) / task_models, 3) AS mean
ORDER BY task, models_with DESC, modules DESC, layer_type;
