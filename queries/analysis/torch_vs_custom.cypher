// title: torch.nn layers versus model-specific classes
// answers: What share of each task's modules are stock torch.nn layers, and what share are classes the model code defines itself (blocks, attention, heads)?
// params: {view: 'none', tasks: null}
// render: bar x=task y=torch_share top=60 log=false ylabel="share of the task's modules that are stock torch.nn layers" title="Share of modules that are torch.nn layers (the rest: classes the model code defines)"

MATCH (t:Task)-[ta:TASK_ARCHITECTURE {view: $view}]->(a:Architecture)
WHERE $tasks IS NULL OR t.name IN $tasks
WITH t.name AS task, a, ta.models AS models
MATCH (a)-[u:USES]->(l:LayerType)
WITH task, sum(CASE WHEN l.is_torch THEN u.modules * models ELSE 0 END) AS torch_modules,
     sum(CASE WHEN l.is_torch THEN 0 ELSE u.modules * models END) AS custom_modules,
     count(DISTINCT CASE WHEN l.is_torch THEN null ELSE l END) AS custom_types
RETURN task, torch_modules, custom_modules, custom_types,
       round(toFloat(torch_modules) / (torch_modules + custom_modules), 4) AS torch_share,
       round(toFloat(custom_modules) / (torch_modules + custom_modules), 4) AS custom_share
ORDER BY torch_share DESC, task;
