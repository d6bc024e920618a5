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
// one value per model: an architecture's count once for each model using it, then 0 for the models without it
WITH task, task_models, type,
     reduce(values = [], use IN type.uses | values + [i IN range(1, use.models) | use.count]) AS present
WITH task, task_models, type.layer_type AS layer_type, type.modules AS modules, size(present) AS models_with,
     present + [i IN range(1, task_models - size(present)) | 0] AS values
UNWIND values AS value
RETURN task, layer_type, modules, task_models AS models, models_with,
       min(value) AS min, percentileCont(value, 0.25) AS q1, percentileCont(value, 0.5) AS median,
       percentileCont(value, 0.75) AS q3, max(value) AS max, round(avg(value), 3) AS mean
ORDER BY task, models_with DESC, modules DESC, layer_type;
