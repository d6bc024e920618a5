// title: Distinctive layer types per task
// answers: Which layer types are characteristic of a task? Lift = (share of the task's modules of that type) / (share of all modules of that type); only types found in at least $min_models models and $min_model_share of the task's models (so one model's own classes do not count), the $top highest lifts above 1 per task.
// params: {view: 'none', tasks: null, top: 10, min_models: 3, min_model_share: 0.2}
// render: bar x=layer_type y=lift facet=task top=10 log=false dir=distinctive title="Distinctive layer types of {task} (lift against all tasks)"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
WITH task, collect({a: a, models: models}) AS archs, sum(models) AS task_models
UNWIND archs AS arch
WITH task, task_models, arch.a AS a, arch.models AS models
MATCH (a)-[u:USES]->(l:LayerType)
WITH task, task_models, l.name AS layer_type, sum(u.modules * models) AS modules, sum(models) AS models
// totals per task, per layer type and overall, for the shares
WITH task, task_models, collect({layer_type: layer_type, modules: modules, models: models}) AS types,
     sum(modules) AS task_total
UNWIND types AS type
WITH type.layer_type AS layer_type,
     collect({task: task, task_models: task_models, task_total: task_total, modules: type.modules,
              models: type.models}) AS uses,
     sum(type.modules) AS type_total
WITH collect({layer_type: layer_type, uses: uses, type_total: type_total}) AS all_types, sum(type_total) AS total
UNWIND all_types AS type
UNWIND type.uses AS use
WITH use.task AS task, type.layer_type AS layer_type, use.modules AS modules, use.models AS models,
     use.task_models AS task_models,
     toFloat(use.modules) / use.task_total AS share_in_task, toFloat(type.type_total) / total AS share_overall
WHERE models >= $min_models AND toFloat(models) / task_models >= $min_model_share
WITH task, layer_type, modules, models, task_models, share_in_task, share_overall,
     share_in_task / share_overall AS lift
WHERE lift > 1
ORDER BY task, lift DESC, modules DESC, layer_type
WITH task, collect({layer_type: layer_type, modules: modules, models: models, task_models: task_models,
                    share_in_task: share_in_task, share_overall: share_overall, lift: lift})[..toInteger($top)] AS best
UNWIND best AS row
RETURN task, row.layer_type AS layer_type, round(row.lift, 3) AS lift, row.modules AS modules,
       row.models AS models, row.task_models AS task_models, round(row.share_in_task, 4) AS share_in_task,
       round(row.share_overall, 4) AS share_overall
ORDER BY task, lift DESC, layer_type;
