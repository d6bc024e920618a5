// title: Deepest models
// answers: Which built models nest their modules deepest, and how many modules and parameters do they have?
// params: {top: 10, tasks: null}
// render: bar x=model y=max_depth top=20 title="Deepest models" xlabel="model" ylabel="deepest module level"

MATCH (t:Task)<-[:FOR_TASK]-(m:Model {status: 'ok'})
WHERE $tasks IS NULL OR t.name IN $tasks
RETURN m.id AS model, t.name AS task, m.max_depth AS max_depth, m.module_count AS modules,
       m.total_params AS parameters
ORDER BY max_depth DESC, modules DESC, model
LIMIT toInteger($top);
